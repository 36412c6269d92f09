from pressroom.cli.main import app

app(prog_name="pressroom")
