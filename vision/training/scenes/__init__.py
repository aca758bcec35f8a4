"""Procedural scenes where sponsor logos appear, drawn with exact labels (the package imports nothing).

Every logo goes through :meth:`vision.training.compose.Canvas.paste_logo`, so its label is read from its
actual warped, occluded, truncated pixels. Modules, from the bottom up:

* :mod:`~vision.training.scenes.recipe`: :class:`SceneRecipe`, every random range and probability of the
  synthesis (the one place its distribution is defined), with units;
* :mod:`~vision.training.scenes.palettes`: colours, the split palettes (the validation split's are never
  seen in training) and the fixed colour sets (skin, shorts, suits, graphics);
* :mod:`~vision.training.scenes.context`: :class:`Ctx`, what every element draws with (canvas, artwork,
  generator, palette, recipe) and the logo paste that enforces the smallest logo size;
* :mod:`~vision.training.scenes.textures`: distractor text, crowds, mown grass, cloth folds;
* :mod:`~vision.training.scenes.elements`: board rows, players, banners, signs, media walls, broadcast
  graphics, free-standing distractors;
* :mod:`~vision.training.scenes.kinds`: the scene kinds (``stadium``, ``arena``, ``event``, ``closeup``,
  ``photo`` over the user's footage), :data:`KINDS` and :func:`draw_scene`.
"""
