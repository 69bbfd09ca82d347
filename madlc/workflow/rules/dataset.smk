# The shuffle's training set and configs. Made once: when the shuffle's files exist (made by
# madlc or by DeepLabCut) they are this rule's outputs and it does not run (labels are `ancient`,
# the rule has no settings), so a trained snapshot never loses the dataset or config it was
# trained on. A new training set is a new shuffle: `madlc create-multianimaltraining-dataset`.
rule create_multianimaltraining_dataset:
    input: ancient(LABELS)
    output: **PLAN.dataset_outputs()
    log: PLAN.log("create_multianimaltraining_dataset")
    params: **COMMON
    threads: 1
    resources: mem_mb=4000, runtime=30
    script: "../scripts/create_multianimaltraining_dataset.py"
