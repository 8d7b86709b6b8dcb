print("kvsh-bench: not written yet")
