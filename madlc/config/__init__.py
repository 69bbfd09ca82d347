"""madlc's settings: one typed schema (schema.py), one resolver (resolve.py), the stage table (stages.py)
and the rule that fits DeepLabCut's inference_cfg.yaml / pose_cfg.yaml in (dlc_files.py)."""
from madlc.config.resolve import (
    CONFIG_DIR,
    PROJECT_SETTINGS,
    Resolved,
    compose,
    project_settings_path,
    resolve,
    stage_settings,
    to_dict,
)
from madlc.config.stages import FUNCTION_STAGES, STAGE_GROUPS, stage_groups, stage_name

__all__ = ["CONFIG_DIR", "PROJECT_SETTINGS", "Resolved", "compose", "project_settings_path", "resolve",
           "stage_settings", "to_dict", "STAGE_GROUPS", "FUNCTION_STAGES", "stage_groups", "stage_name"]
