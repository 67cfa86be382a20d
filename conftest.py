# The shared fixtures (a real Kafka broker, real databases) for every test folder.
pytest_plugins = ["vod_devtools.pytest_fixtures"]
