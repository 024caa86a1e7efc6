"""The old name of :mod:`relmine.learn.pull`, kept only while code written on other branches (the refresh
work) still imports from here: once those imports name :mod:`relmine.learn.pull`, this file goes."""


def __getattr__(name: str):
    from relmine.learn import pull

    return getattr(pull, name)
