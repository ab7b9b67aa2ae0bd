"""Panel meetings (会评): the schedule and the order of defence, the offline score workbooks, the signed paper."""
