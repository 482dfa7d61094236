"""Depth and circuits: n-bit parity with a deep narrow network vs a shallow one of equal size.

The lectures' logic-circuit analogy: parity of n bits takes O(n) XOR gates in a deep
circuit but 2^(n-1) terms in a depth-2 AND/OR circuit (Hastad 1987), so depth buys
size. Here ``deep_Nbits`` is ``matched_mlp`` with 4 hidden tanh layers of 8 units and
``shallow_Nbits`` one hidden layer with the same number of parameters
(``match_layers = 4``: 29, 27 and 26 units for 6, 8 and 10 bits), trained on the whole
truth table (``parity:N``, no split): the accuracy says whether gradient descent *fits*
the function. A single hidden layer of n threshold units can represent n-bit parity, so
a shallow failure here is one of learning within the budget, not of representation.

``python -m recipes compare parity_depth --only deep_8bits,shallow_8bits --seeds 0-2
--reference deep_8bits`` compares one bit count; the variants cover 6, 8 and 10 bits.
Measured (seeds 0-2): the deep net fits 6-bit parity in 3/3 seeds (0.990), 8-bit in 2/3
(seed 1 stays at 0.5); the shallow one of equal size stays at chance in all six runs
(0.52 and 0.49; worse at 6 bits, p 0.011).
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec, Variant

RECIPE = Recipe(
    name="parity_depth",
    summary="n-bit parity: 4x8 tanh layers vs one layer of the same parameter count",
    lecture="Foundations: deep vs wide (depth and circuits)",
    data=DataSpec(source="parity:8"),
    model=ModelSpec(
        builder="matched_mlp",
        options={"num_layers": 4, "units": 8, "match_layers": 0, "activation": "tanh"},
    ),
    train=TrainSpec(
        epochs=300,
        batch_size=32,
        optimizer="adam",
        learning_rate=0.01,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.95,
        data="parity:8, the 256-string truth table (no split), deep 4x8",
        budget="~1 min per arm, 2 CPU",
    ),
    variants=tuple(
        Variant(f"{shape}_{bits}bits", {"data.source": f"parity:{bits}", **overrides})
        for bits in (6, 8, 10)
        for shape, overrides in (
            ("deep", {"model.options.match_layers": 0}),
            ("shallow", {"model.options.match_layers": 4}),
        )
    ),
    profiles={"smoke": {"train.epochs": 2, "data.source": "parity:4"}},
    reference="Hastad, 'Computational limitations of small-depth circuits', 1987; "
    "Bengio & LeCun, 'Scaling learning algorithms towards AI', 2007",
)
