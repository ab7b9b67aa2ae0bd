"""The close of a round, after its results are approved: the public notice (公示) and its period
(`publicity`), the objections received and answered (`objections`), the final list they leave
(`final_list`), the final decision that locks the round (`decision`), the files of the notice and the
decision (`documents`) and what cities and the centre are told (`notices`). Working days: `workdays`."""
