"""git: every call of the git program, and the merge driver.

`repo` runs git with argument lists (commits of exactly the files a command
wrote, history, blobs, setup of the driver and hooks); `merge` merges ledger
files item by item. It imports `store` and the base modules only.
"""
