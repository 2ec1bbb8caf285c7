"""The shared kernel: what every domain app may use and which knows nothing of any of them."""
