"""Reference solutions of the course's exercises, one module per notebook (``nb01`` for notebook 01, ...).

A notebook loads them in a cell tagged ``solution`` (marked "REFERENCE SOLUTION" in its first line);
delete that cell to run your own functions instead. ``tests/test_course.py`` checks every solution
against rnnlab's own implementation.
"""
