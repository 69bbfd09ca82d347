"""madlc.nn.models.dlc_config: DeepLabCut's pytorch_config.yaml + madlc's madlc_model.yaml, read and written.

(DeepLabCut's own validation of these files runs in tests/test_dlc_interop.py, in the DeepLabCut venv.)
"""
from __future__ import annotations

from pathlib import Path

import yaml

from madlc.stages.create_multianimaltraining_dataset import create_multianimaltraining_dataset
from madlc.nn.models.config import load_pytorch_config, write_model_config
from madlc.nn.models.dlc_config import dlc_net_type, to_dlc_pose_config
from madlc.project import paths
from madlc.project.config import load_config
from test_data_toyproject import make_toy_project

#: the keys DeepLabCut 3.0.2's PoseConfig allows at the top level (extra keys are refused)
DLC_TOP_LEVEL = {"config_version", "model", "net_type", "method", "device", "metadata", "data", "runner",
                 "train_settings", "inference", "logger", "with_center_keypoints", "detector", "resume_training_from"}


def test_net_type_names() -> None:
    assert dlc_net_type({"net_type": "resnet_50", "neck": "single"}) == "resnet_50"
    assert dlc_net_type({"net_type": "dlcrnet_ms5", "neck": "fusion"}) == "dlcrnet_stride16_ms5"
    assert dlc_net_type({"net_type": "tiny", "neck": "fusion"}) == "dlcrnet_stride16_ms5"
    assert dlc_net_type({"net_type": "tiny", "neck": "single"}) == "resnet_50"
    from madlc.nn.models.names import model_option

    assert model_option("dlcrnet_stride16_ms5") == "dlcrnet_ms5"  # a DeepLabCut 3 shuffle's net_type reads back


def test_split_files_round_trip(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path, frames=8, identity=True)
    folder = Path(create_multianimaltraining_dataset(config, net_type="tiny")[0])
    dlc = yaml.safe_load((folder / "train" / "pytorch_config.yaml").read_text())
    assert set(dlc) <= DLC_TOP_LEVEL and {"metadata", "data", "runner", "train_settings"} <= set(dlc)
    assert dlc["model"]["heads"]["bodypart"]["predictor"]["type"] == "PartAffinityFieldPredictor"
    pcfg = load_pytorch_config(folder)
    assert pcfg["net_type"] == "dlcrnet_stride16_ms5" and pcfg["model"]["name"] == "tiny"
    assert pcfg["model"]["heads"]["identity"]["num_individuals"] == 3
    pcfg["train"]["max_steps"] = 123
    write_model_config(folder, pcfg, steps_per_epoch=3)
    again = load_pytorch_config(folder)
    assert again["train"]["max_steps"] == 123 and again["model"] == pcfg["model"]
    assert yaml.safe_load((folder / "train" / "pytorch_config.yaml").read_text())["train_settings"]["epochs"] == 41


def test_older_one_file_layout_is_read_and_rewritten_in_two(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path, frames=8)
    folder = Path(create_multianimaltraining_dataset(config, net_type="tiny")[0])
    pcfg = load_pytorch_config(folder)
    old = dict(pcfg, net_type="tiny")  # madlc before the split wrote its groups into pytorch_config.yaml
    (folder / "train" / "madlc_model.yaml").unlink()
    (folder / "train" / "pytorch_config.yaml").write_text(yaml.safe_dump(old))
    read = load_pytorch_config(folder)
    assert read["net_type"] == "dlcrnet_stride16_ms5" and read["model"]["name"] == "tiny"
    write_model_config(folder, read)
    dlc = yaml.safe_load((folder / "train" / "pytorch_config.yaml").read_text())
    assert set(dlc) <= DLC_TOP_LEVEL and (folder / "train" / "madlc_model.yaml").exists()


def test_deeplabcut_made_config_is_read_and_never_rewritten(tmp_path: Path) -> None:
    config = make_toy_project(tmp_path, frames=8)
    cfg = load_config(config)
    folder = Path(create_multianimaltraining_dataset(config, net_type="resnet_50")[0])
    dlc = to_dlc_pose_config(load_pytorch_config(folder))
    dlc["model"] = {"backbone": {"type": "ResNet", "model_name": "resnet50_gn", "output_stride": 16},
                    "heads": {"bodypart": {"type": "DLCRNetHead",
                                           "predictor": dict(dlc["model"]["heads"]["bodypart"]["predictor"])}}}
    path = folder / "train" / "pytorch_config.yaml"
    (folder / "train" / "madlc_model.yaml").unlink()
    path.write_text("# made by DeepLabCut\n" + yaml.safe_dump(dlc))
    before = path.read_bytes()
    pcfg = load_pytorch_config(folder)  # DeepLabCut's own network (madlc.nn.models.dlc_net), madlc's defaults
    assert pcfg["net_type"] == "resnet_50" and pcfg["model"]["name"] == "deeplabcut"
    assert pcfg["model"]["dlc"]["backbone"] == dlc["model"]["backbone"] and pcfg["model"]["decoder"] == "deeplabcut"
    assert pcfg["model"]["heads"]["bodypart"]["predictor"]["graph"] == dlc["model"]["heads"]["bodypart"]["predictor"]["graph"]
    assert pcfg["metadata"]["individuals"] == paths.individuals(cfg)
    pcfg["train"]["max_steps"] = 7
    write_model_config(folder, pcfg)
    assert path.read_bytes() == before  # DeepLabCut's file untouched; madlc's choices beside it
    own = yaml.safe_load((folder / "train" / "madlc_model.yaml").read_text())
    assert own["written_by"] == "deeplabcut" and own["train"]["max_steps"] == 7
    assert load_pytorch_config(folder)["train"]["max_steps"] == 7
