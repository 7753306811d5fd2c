from .cli import entry

if __name__ == "__main__":  # importing the module alone runs nothing
    entry()
