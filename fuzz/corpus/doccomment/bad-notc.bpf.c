This is a shopping list, not a BPF program:
- eggs
- flour
