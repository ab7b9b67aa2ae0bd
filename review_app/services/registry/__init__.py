"""The consortium registry (联合体名录): the existing innovation consortia that file annual
self-evaluations. `consortia` keeps them (codes, entry and correction, the consortia founded by a
decision, the list), `importer` reads the centre's Excel template (`template`), and `history` is each
consortium's record: the application it came from and every annual report."""
