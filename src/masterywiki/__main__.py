from masterywiki.cli import main

main(prog_name="masterywiki")
