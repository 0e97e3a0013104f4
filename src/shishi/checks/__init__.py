"""checks: what `check` finds across a whole tree, and personal data.

`rules` is a list of small functions over a loaded Ledger, each yielding
located problems; `privacy` masks phone and ID-card numbers and warns where
they stand in free text. It imports `store` and the base modules only.
"""
