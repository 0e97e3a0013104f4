"""cli: the Typer command line, composed in `app` from one module per command group.

`common` holds what every command shares (the ledger root, errors mapped to
exit codes 1 and 2, --commit); commands parse their options, call one core
function, render the result and map errors. Heavy modules are imported
inside the commands so `--help` stays fast. It imports every stage below.
"""
