"""One module per `yuqing` subcommand (see `yuqing.cli`)."""
