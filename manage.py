#!/usr/bin/env python
from dajiuzhu.cli import main

if __name__ == "__main__":
    main()
