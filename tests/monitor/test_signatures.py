import hashlib
import random

from monitor.entries import RawEntry, normalise_entries, normalise_entry
from monitor.errors import RecordError
from monitor.signatures import minhash, minhashes, similarity

from .test_normalize import NOW

# Signatures are stored and compared across runs: these digests were computed before the batched
# form existed and must never change.
GOLDEN = {
    "太原市小店区明日停水通知 因管网改造，小店区部分区域将于明日停水十二小时，请居民提前储水。": "88e9bf56ad07c1a7",
    "abcdefghijklmnopqrstuvwxyz 0123456789": "6df150cbabcfa4d7",
    "𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉𠀊𠀋𠀌𠀍 astral": "2061525adda3219e",
    "x" * 500: "6873576bc4d86917",
    "123456789012": "d72a1205ecddb5f8",
}


def test_signatures_keep_their_stored_values():
    for text, digest in GOLDEN.items():
        assert hashlib.sha256(minhash(text)).hexdigest()[:16] == digest, text[:20]


def test_too_short_texts_have_no_signature():
    assert minhash("12345678901") is None
    assert minhashes(["", "a", "12345678901"]) == [None, None, None]
    assert minhashes([]) == []


def test_the_batched_form_gives_each_text_its_own_signature():
    rng = random.Random(3)
    alphabet = "太原停水通知小店区居民反映强烈的问题，。abc 123𠀀"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400))) for _ in range(600)]
    texts += list(GOLDEN)
    batched = minhashes(texts)
    assert batched == [minhash(t) for t in texts]
    # A text's neighbours in the batch never leak into its shingles.
    assert minhashes(["abcdefghijklmn", "opqrstuvwxyz01"])[1] == minhash("opqrstuvwxyz01")
    assert similarity(batched[-1], batched[-1]) == 1.0


def test_normalise_entries_matches_normalise_entry_and_keeps_rejections_in_place():
    raws = [RawEntry(external_id="1", title="太谷区停水", content="<p>太谷区明日停水十二小时，居民提前储水</p>"),
            RawEntry(external_id="2", title="  ", content="<script>x</script>"),
            RawEntry(external_id="3", title="平遙古城門票調整", content="遊客質疑票價上漲過快，景區回應")]
    out = normalise_entries(raws, now=NOW)
    assert out[0] == normalise_entry(raws[0], now=NOW) and out[0].minhash is not None
    assert isinstance(out[1], RecordError)
    assert out[2] == normalise_entry(raws[2], now=NOW)
