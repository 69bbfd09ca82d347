"""create_multianimaltraining_dataset: files, split, training pickle, configs, bad inputs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from madlc.stages.create_multianimaltraining_dataset import (create_multianimaltraining_dataset, load_merged_labels, load_split,
                                    load_training_data, paf_graph_for)
from madlc.errors import ConfigError, FormatError
from madlc.io.compat import load_pickle
from madlc.project import paths
from madlc.project.config import load_config
from test_data_toyproject import make_toy_project


def test_creates_deeplabcut_layout(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path, frames=12, unique=True, identity=True, empty_frames=2)
    folders = create_multianimaltraining_dataset(config, num_shuffles=2, net_type="tiny")
    cfg = load_config(config)
    ds = paths.training_dataset_folder(cfg)
    assert (ds / "CollectedData_tester.h5").exists() and (ds / "CollectedData_tester.csv").exists()
    assert len(folders) == 2
    for shuffle in (1, 2):
        train, test, fraction = load_split(config, shuffle)
        assert fraction == 0.8
        # the 2 all-NaN frames are neither train nor test; the others split 80/20
        assert len(train) == int(10 * 0.8) and len(test) == 2
        assert not set(train) & set(test) and {0, 1}.isdisjoint(set(train) | set(test))
        doc = load_pickle(paths.documentation_pickle(cfg, shuffle))
        assert isinstance(doc, list) and len(doc) == 4
        data = load_training_data(config, shuffle)
        assert len(data) == len(train)
        entry = data[0]
        assert isinstance(entry["image"], tuple) and entry["image"][0] == "labeled-data"
        assert list(entry["size"]) == [3, 128, 160]
        assert set(entry["joints"]) == {0, 1, 2, 3}  # 3 animals + the 'single' slot
        assert entry["joints"][3][0, 0] == 4  # unique part index continues after the 4 multi parts
        assert entry["joints"][0].dtype == np.float32
    model = Path(folders[0])
    pcfg = yaml.safe_load((model / "train" / "pytorch_config.yaml").read_text())
    assert pcfg["net_type"] == "tiny" and pcfg["method"] == "bu"
    assert pcfg["metadata"]["individuals"] == ["animal0", "animal1", "animal2"]
    assert pcfg["metadata"]["unique_bodyparts"] == ["marker"] and pcfg["metadata"]["with_identity"] is True
    pred = pcfg["model"]["heads"]["bodypart"]["predictor"]
    assert pred["graph"] == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    assert pcfg["model"]["heads"]["identity"]["num_individuals"] == 3
    pose = yaml.safe_load((model / "test" / "pose_cfg.yaml").read_text())
    assert pose["all_joints_names"] == ["part0", "part1", "part2", "part3", "marker"]
    assert pose["num_idchannel"] == 3 and pose["dataset_type"] == "multi-animal-imgaug"
    inf = yaml.safe_load((model / "test" / "inference_cfg.yaml").read_text())
    assert inf["topktoretain"] == 3 and inf["withid"] is True and inf["minimalnumberofconnections"] == 2
    meta = yaml.safe_load((ds / "metadata.yaml").read_text())["shuffles"]
    assert meta["toyJan1-trainset80shuffle1"] == {"train_fraction": 0.8, "index": 1, "split": 1, "engine": "pytorch"}
    assert load_merged_labels(config).shape == (12, 3 * 4 * 2 + 2)


def test_given_indices_and_overrides(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path, frames=10)
    create_multianimaltraining_dataset(config, Shuffles=[3], trainIndices=[[0, 1, 2, 3, 4, 5, 6, 7]],
                                       testIndices=[[8, 9]], net_type="mobilenet_v2_1.0",
                                       overrides=["data.crop_size=[64,64]"])
    train, test, fraction = load_split(config, 3)
    assert sorted(train) == list(range(8)) and sorted(test) == [8, 9] and fraction == 0.8
    pcfg = yaml.safe_load((paths.model_folder(load_config(config), 3) / "train" / "pytorch_config.yaml").read_text())
    assert pcfg["net_type"] == "mobilenet_v2_1.0" and pcfg["model"]["backbone"] == "mobilenet_v2"
    assert pcfg["data"]["crop_size"] == [64, 64]


def test_paf_graph_rules(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path, frames=4)
    cfg = load_config(config)
    assert paf_graph_for(cfg, "config") == [[0, 1], [1, 2], [2, 3]]
    assert paf_graph_for(cfg, [[1, 0], [2, 1], [3, 2]]) == [[0, 1], [1, 2], [2, 3]]
    with pytest.raises(ConfigError, match="part3"):
        create_multianimaltraining_dataset(config, paf_graph=[[0, 1], [1, 2]], net_type="tiny")
    with pytest.raises(ConfigError, match="0..3"):
        paf_graph_for(cfg, [[0, 7]])
    many = dict(cfg, multianimalbodyparts=[f"p{i}" for i in range(16)])
    pruned = paf_graph_for(many)
    assert len(pruned) == 16 * 6 // 2 and {k for e in pruned for k in e} == set(range(16))


def test_bad_inputs(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path / "a", frames=4, empty_frames=2, videos=1)
    cfg = load_config(config)
    # all labels NaN: a clear error, not an empty training set
    import pandas as pd

    from madlc.io.labels import read_labels, write_labels
    h5 = paths.project_dir(cfg) / "labeled-data" / "video0" / "CollectedData_tester.h5"
    df = read_labels(h5)
    write_labels(df * np.nan, h5, backup_existing=False)
    with pytest.raises(FormatError, match="empty"):
        create_multianimaltraining_dataset(config, net_type="tiny")
    # a labeled image that is missing on disk
    write_labels(pd.concat([df]), h5, backup_existing=False)
    (paths.project_dir(cfg) / "labeled-data" / "video0" / "img002.png").unlink()
    with pytest.raises(FormatError, match="img002.png"):
        create_multianimaltraining_dataset(config, net_type="tiny")
    with pytest.raises(ConfigError, match="not supported"):
        create_multianimaltraining_dataset(config, net_type="vgg_16")


def test_images_of_different_sizes(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path, frames=8, sizes=[(160, 128), (96, 120)])
    create_multianimaltraining_dataset(config, net_type="tiny")
    sizes = {tuple(e["size"]) for e in load_training_data(config)}
    assert sizes <= {(3, 128, 160), (3, 120, 96)} and len(sizes) == 2


def test_synthetic_project(tmp_path: Path) -> None:
    synth = pytest.importorskip("madlc.stages.synth_project")
    config = synth.synth_project(str(tmp_path), animals=3, bodyparts=4, frames=12, size="96x80", labeled_frames=10,
                                 identity=True, unique=True)
    create_multianimaltraining_dataset(config, net_type="tiny")
    cfg = load_config(config)
    train, test, _ = load_split(config)
    assert len(train) + len(test) == 10
    pose = yaml.safe_load((paths.model_folder(cfg) / "test" / "pose_cfg.yaml").read_text())
    assert pose["num_joints"] == 4 + len(cfg["uniquebodyparts"]) and pose["num_idchannel"] == 3
