// placeholder: filled in by the derivatives work
