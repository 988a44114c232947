from site_builder.cli import program

program()
