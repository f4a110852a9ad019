"""Reference data: representatives and postal tables for Canada, the US and the EU.

Each country module (`us`, `ca`, `eu`) turns source files into the project's own
tables (`build`), fetches the same kind of data from the official endpoints
(`fetch`), and checks coverage (`check`). `tables` writes and reads the CSV files
under data/; `store` loads them into the database.
"""
