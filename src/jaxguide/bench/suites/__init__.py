"""The harness's suites; importing this package registers each of them."""
