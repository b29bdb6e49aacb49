// placeholder: filled in by the ram work
