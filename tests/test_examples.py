"""The README's first command must keep working: the quickstart trains and generalises."""

from examples import quickstart


def test_quickstart_learns_the_digits():
    accuracy = quickstart.main(["--epochs", "10", "--seed", "1"])
    assert accuracy > 0.9
