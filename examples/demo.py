"""skmer demo (``make demo``): runs :mod:`skmer.demo`, which is also ``skmer demo``."""

from skmer.demo import main

if __name__ == "__main__":
    main()
