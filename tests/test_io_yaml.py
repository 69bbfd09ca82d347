"""madlc.io YAML files: config.yaml, pose_cfg.yaml, inference_cfg.yaml, training-dataset metadata.yaml."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

import madlc.io as mio
from madlc.errors import ConfigError, FormatError


def test_real_config_and_pose_cfg(dlc_data_dir, tmp_path):
    cfg = mio.read_config(dlc_data_dir / "example_config.yaml")
    assert cfg["Task"] == "MultiMouse" and cfg["individuals"] == ["mus1", "mus2", "mus3"]
    assert len(cfg["multianimalbodyparts"]) == 12
    out = mio.write_config(cfg, tmp_path / "config.yaml")
    assert mio.read_config(out)["skeleton"] == cfg["skeleton"]

    pose = mio.read_pose_cfg(dlc_data_dir / "example_pose_cfg.yaml")
    assert pose["num_joints"] == 12 and pose["all_joints"][11] == [11] and pose["dataset"] is None
    assert pose["num_limbs"] == len(pose["partaffinityfield_graph"]) == 66
    again = mio.read_pose_cfg(mio.write_pose_cfg(pose, tmp_path / "pose_cfg.yaml"))
    assert again == pose


def test_pose_cfg_with_python_tags(tmp_path):
    path = tmp_path / "pose_cfg.yaml"
    path.write_text(yaml.dump({"crop_size": (400, 400), "stride": np.float64(8.0), "nmsradius": 5.0}))
    assert "!!python" in path.read_text()
    assert mio.read_pose_cfg(path) == {"crop_size": [400, 400], "stride": 8.0, "nmsradius": 5.0}
    out = mio.write_pose_cfg({"paf_best": np.array([3, 1]), "stride": np.float32(8)}, tmp_path / "w.yaml")
    assert "!!python" not in out.read_text() and mio.read_pose_cfg(out) == {"paf_best": [3, 1], "stride": 8.0}


def test_inference_cfg_legacy_keys_and_defaults(tmp_path):
    path = tmp_path / "inference_cfg.yaml"
    path.write_text("variant: 0\npafthreshold: 0.2\ndistnormalization: 1000\naveragescore: 0.1\n"
                    "addlikelihoods: 0.15\niou_threshold: 0.2\n")
    cfg = {"multianimalproject": True, "multianimalbodyparts": list("abcde"), "individuals": ["x", "y", "z"],
           "identity": False}
    inf = mio.read_inference_cfg(path, cfg)
    assert "distnormalization" not in inf and "averagescore" not in inf and "addlikelihoods" not in inf
    assert inf["pafthreshold"] == 0.2 and inf["iou_threshold"] == 0.2  # file values win
    assert inf["minimalnumberofconnections"] == 2 and inf["topktoretain"] == 3 and inf["max_age"] == 1
    no_cfg = mio.read_inference_cfg(path)
    assert "topktoretain" not in no_cfg and no_cfg["method"] == "m1"
    out = mio.write_inference_cfg({**inf, "detectionthresholdsquare": 0.1}, tmp_path / "w.yaml")
    text = out.read_text()
    assert text.startswith("variant: 0\npafthreshold: 0.2\nmethod: m1\n") and "detectionthreshold" not in text
    assert mio.read_inference_cfg(out, cfg) == inf
    assert mio.default_inference_cfg(cfg)["topktoretain"] == 3


def test_dataset_metadata(tmp_path):
    meta = {"shuffles": {
        "TD-trainset95shuffle2": {"train_fraction": 0.95, "index": 2, "split": 1, "engine": "pytorch"},
        "TD-trainset80shuffle1": {"engine": "tensorflow", "split": 2, "index": 1, "train_fraction": 0.8},
        "TD-trainset95shuffle1": {"train_fraction": 0.95, "index": 1, "split": 1, "engine": "pytorch"},
    }}
    path = mio.write_dataset_metadata(meta, tmp_path / "metadata.yaml")
    back = mio.read_dataset_metadata(path)
    assert list(back["shuffles"]) == ["TD-trainset80shuffle1", "TD-trainset95shuffle1", "TD-trainset95shuffle2"]
    assert list(back["shuffles"]["TD-trainset80shuffle1"]) == ["train_fraction", "index", "split", "engine"]
    assert back["shuffles"]["TD-trainset95shuffle2"]["engine"] == "pytorch"


def test_bad_yaml_files(tmp_path):
    with pytest.raises(FormatError, match="no such"):
        mio.read_pose_cfg(tmp_path / "absent.yaml")
    (tmp_path / "broken.yaml").write_text("a: [1, 2\nb: c\n")
    with pytest.raises(FormatError, match="broken.yaml.*not valid YAML"):
        mio.read_inference_cfg(tmp_path / "broken.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(FormatError, match="not a mapping"):
        mio.read_pose_cfg(tmp_path / "list.yaml")
    (tmp_path / "obj.yaml").write_text("x: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(FormatError, match="obj.yaml"):
        mio.read_pose_cfg(tmp_path / "obj.yaml")
    (tmp_path / "meta.yaml").write_text("shuffles:\n  a: {index: 1}\n")
    with pytest.raises(FormatError, match="train_fraction"):
        mio.read_dataset_metadata(tmp_path / "meta.yaml")
    with pytest.raises(ConfigError):
        mio.read_config(tmp_path / "list.yaml")
