"""write: the one door through which every change reaches the ledger tree.

`lock` (one writer per tree), `files` (reading a file for writing, an item's
block, appending, IDs, atomic replace), `units` (init, unit add), `items`
(the lifecycle: add, progress, close, verify, reopen, cancel, escalate),
`fmt`, `tracking` (extensions, supervision), `surveys`, `importer`, `relink`.
Every operation checks everything first and then writes under the lock; a
refusal raises ShishiError with every file unchanged. It imports `git`,
`checks`, `store` and the base modules, never figures, render or cli.
"""
