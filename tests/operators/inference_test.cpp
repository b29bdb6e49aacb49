// placeholder: filled in by the inference work
