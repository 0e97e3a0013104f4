from shishi.cli.app import run

run()
