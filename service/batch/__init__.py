"""Batch screening of whole customer files: ``orinoco screen INPUT -o OUTPUT``.

``io`` reads the input in chunks and writes alerts and rejects; ``prepare`` turns a chunk of
customer rows into queries (and rejects); ``screening`` screens prepared queries; ``job`` runs
the chunks with a checkpoint so that ``--resume`` continues after a crash; ``dask_engine`` runs
the same chunks on a Dask cluster.
"""
