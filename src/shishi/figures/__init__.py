"""figures: what the ledgers add up to, as plain data with no formatting.

`schedule` (序时, due), `rollup` (the tier roll-up), `scores` (三率, 红黑榜),
`supervision` (the 督办台账), `changes` (history and 工作动态 from git),
`report` (the report document: sections and tables). Cells hold ints,
Decimals, fractions, dates and strings; `render` prints them. It imports
`write` only for reading helpers, and `git`, `checks`, `store`, the base.
"""
