// placeholder: filled in by the overtake work
