import sys

from .cli import main

if __name__ == "__main__":  # importing the module alone runs nothing
    sys.exit(main())
