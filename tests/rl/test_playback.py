"""dlrecipes/rl/playback.py: evaluate a saved agent, record a GIF (``run NAME --play``)."""

from __future__ import annotations

import pytest

from dlrecipes import rl
from dlrecipes.recipe import RecipeError, recipe_to_toml, resolve
from recipes.q_learning_frozenlake import RECIPE as Q_LEARNING_FROZENLAKE


def test_play_evaluates_the_saved_agent_and_records_a_gif(tmp_path):
    recipe = resolve(Q_LEARNING_FROZENLAKE, profile="smoke")
    rl.train_agent(recipe, tmp_path, verbose=False)
    (tmp_path / "recipe.toml").write_text(recipe_to_toml(recipe))
    result = rl.play(tmp_path, episodes=3, record=tmp_path / "episode.gif")
    assert len(result["returns"]) == 3 and "eval_return_mean" in result
    assert result["video_frames"] > 1 and (tmp_path / "episode.gif").is_file()
    with pytest.raises(RecipeError, match="GIF or an MP4. Received: .*episode.avi"):
        rl.play(tmp_path, episodes=1, record=tmp_path / "episode.avi")
    with pytest.raises(RecipeError, match="recipe.toml"):
        rl.play(tmp_path / "nowhere")
    (tmp_path / "best" / "q_table.npy").unlink()
    with pytest.raises(RecipeError, match="no saved agent in the run.*has no q_table"):
        rl.play(tmp_path)


def test_play_a_dqn_agent(dqn_smoke_run, tmp_path):
    from PIL import Image

    run_dir, _ = dqn_smoke_run
    result = rl.play(run_dir, episodes=2, record=tmp_path / "cartpole.gif")
    assert len(result["returns"]) == 2 and result["eval_return_mean"] > 0
    with Image.open(tmp_path / "cartpole.gif") as gif:
        assert 1 < gif.n_frames <= result["video_frames"]  # PIL merges equal frames


def test_play_records_an_mp4(tmp_path):
    imageio = pytest.importorskip("imageio.v2", reason="the video extra is not installed")
    pytest.importorskip("imageio_ffmpeg", reason="the video extra is not installed")
    recipe = resolve(Q_LEARNING_FROZENLAKE, profile="smoke")
    rl.train_agent(recipe, tmp_path, verbose=False)
    (tmp_path / "recipe.toml").write_text(recipe_to_toml(recipe))
    result = rl.play(tmp_path, episodes=1, record=tmp_path / "episode.mp4")
    reader = imageio.get_reader(tmp_path / "episode.mp4")
    frames = [frame for frame in reader]
    reader.close()
    assert len(frames) == result["video_frames"] > 1
    assert frames[0].shape[2] == 3 and frames[0].shape[0] % 2 == 0
    assert not list(tmp_path.glob("*.tmp*"))
