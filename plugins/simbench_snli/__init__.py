"""Built-in dataset plugin: SNLI, from TFDS online or official jsonl offline."""

from simbench.datasets import Dataset
from simbench.hookspecs import hookimpl
from simbench_snli.loading import LABELS, load_snli

SNLI = Dataset(
    name="snli",
    labels=LABELS,
    load=load_snli,
    description="Stanford NLI: premise/hypothesis -> entailment/neutral/"
    "contradiction (rows without a gold label dropped)",
)


@hookimpl
def simbench_register_datasets(register):
    register(SNLI)
