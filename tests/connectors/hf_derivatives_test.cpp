// placeholder: filled in by the hf_derivatives work
