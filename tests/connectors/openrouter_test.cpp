// placeholder: filled in by the openrouter work
