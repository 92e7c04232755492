print("placeholder: the benchmark file generator is being written")
