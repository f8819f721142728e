"""The shared static multilingual encoder: offsets into the original text, vectors, quality."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.models.static_encoder import META, StaticEncoder, default_encoder


@pytest.fixture(scope="module")
def enc() -> StaticEncoder:
    return default_encoder()


def _check_offsets(enc: StaticEncoder, text: str) -> list[tuple[str, str]]:
    ids, starts, ends = enc.tokenize(text)
    assert len(ids) == len(starts) == len(ends)
    assert ids.dtype == np.int32 and starts.dtype == np.int32
    # in order; two pieces overlap only inside one character the normaliser expanded (a ligature)
    assert np.all(starts <= ends) and np.all(np.diff(starts) >= 0) and np.all(np.diff(ends) >= 0)
    if len(ends):
        assert 0 <= starts[0] and ends[-1] <= len(text)
    return [(enc.pieces[i], text[a:b]) for i, a, b in zip(ids, starts, ends)]


@pytest.mark.parametrize(
    "text",
    [
        "Peskov said:\r\n\r\n\"No talks.\"\r\n",
        "Москва заявила, что переговоры\tпродолжатся.",
        "Правителството в София обяви нови мерки.",
        "प्रधानमंत्री ने कहा कि बातचीत जारी रहेगी।",
        "O governo português anunciou medidas 😀🇵🇹 hoje.",
        "café vs cafe\u0301, naïve, Ångström",
        "ﬁnal ＦＵＬＬＷＩＤＴＨ ½ №5 \u00a0non-breaking\u200bzero-width",
        "   leading and trailing   ",
        "الحكومة أعلنت عن إجراءات جديدة",
        "\x01\x02control\x7f chars",
    ],
)
def test_token_offsets_cover_exactly_the_piece_surface_in_the_original_text(enc, text):
    pairs = _check_offsets(enc, text)
    assert pairs, text
    for piece, surface in pairs:
        want = piece.lstrip(META)
        if surface == want or (piece == "<unk>" and surface):  # unknown: any non-empty surface
            continue
        # the surface differs from the piece only through the teacher's normalisation
        # (NFKC-style folding: ligatures, full-width forms, fractions, odd spaces); a piece may
        # cover part of what one character expands to ("½" -> "1⁄2")
        assert surface and want in enc.tokenizer.normalize(surface)[0].replace(" ", ""), (piece, surface)
    # every non-space character of the text is covered by some token (unknowns included)
    covered = np.zeros(len(text), dtype=bool)
    for a, b in zip(*enc.tokenize(text)[1:]):
        covered[a:b] = True
    dropped = {c for c, k in zip(text, covered) if not k}
    assert all(c.isspace() or ord(c) < 32 or ord(c) == 0x7F or c in "\u200b" for c in dropped), dropped


def test_crlf_and_collapsed_spaces_keep_offsets(enc):
    text = "One\r\n\r\nTwo  three"
    pairs = _check_offsets(enc, text)
    assert [s for _, s in pairs] == ["One", "Two", "three"]


def test_empty_and_blank_texts_give_no_tokens_and_zero_vectors(enc):
    for t in ["", "   ", "\r\n"]:
        assert len(enc.tokenize(t)[0]) == 0
    X = enc.embed(["", "text"])
    assert X.shape == (2, enc.dim) and not X[0].any() and abs(np.linalg.norm(X[1]) - 1) < 1e-5


def test_embed_gives_unit_float32_rows_and_token_vectors_one_row_per_piece(enc):
    X = enc.embed(["The war in Ukraine.", "Climate change is real."])
    assert X.dtype == np.float32 and X.shape == (2, enc.dim)
    assert np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-5)
    assert np.allclose(enc.embed("The war in Ukraine."), X[0])
    tv = enc.token_vectors("The war in Ukraine.")
    assert tv.shape == (len(enc.tokenize("The war in Ukraine.")[0]), enc.dim)


def test_document_encoding_pools_sentences_by_offsets(enc):
    text = "Peace talks resumed. Климатът се променя."
    spans = [(0, 20), (21, len(text))]
    d = enc.encode_document(text, spans)
    assert d.sentence_vectors.shape == (2, enc.dim)
    assert np.allclose(d.sentence_vectors[0], enc.embed(text[0:20]), atol=1e-5)
    assert np.allclose(d.sentence_vectors[1], enc.embed(text[21:]), atol=1e-5)
    assert np.allclose(d.doc_vector, enc.embed(text), atol=1e-5)
    assert d.token_vectors.shape == (len(d.ids), enc.dim)


# translation pairs written for this test (same meaning) and the pairing is checked against
# the other sentences: each sentence is closer to its own translation than to any unrelated one
PAIRS = {
    "war": {
        "en": "Russian troops shelled the city overnight, killing three civilians.",
        "ru": "Российские войска ночью обстреляли город, погибли трое мирных жителей.",
        "bg": "Руските войски обстрелваха града през нощта, загинаха трима цивилни.",
        "pt": "As tropas russas bombardearam a cidade durante a noite, matando três civis.",
        "hi": "रूसी सैनिकों ने रात भर शहर पर गोलाबारी की, जिसमें तीन नागरिक मारे गए।",
    },
    "climate": {
        "en": "Scientists warn that global temperatures will keep rising because of carbon emissions.",
        "ru": "Учёные предупреждают, что глобальная температура будет расти из-за выбросов углерода.",
        "bg": "Учените предупреждават, че глобалните температури ще продължат да растат заради въглеродните емисии.",
        "pt": "Cientistas alertam que as temperaturas globais continuarão a subir por causa das emissões de carbono.",
        "hi": "वैज्ञानिकों ने चेतावनी दी है कि कार्बन उत्सर्जन के कारण वैश्विक तापमान बढ़ता रहेगा।",
    },
    "football": {
        "en": "The football team won the match with a late goal in the second half.",
        "ru": "Футбольная команда выиграла матч благодаря позднему голу во втором тайме.",
        "bg": "Футболният отбор спечели мача с късен гол през второто полувреме.",
        "pt": "A equipa de futebol venceu o jogo com um golo tardio na segunda parte.",
        "hi": "फुटबॉल टीम ने दूसरे हाफ में देर से किए गए गोल से मैच जीत लिया।",
    },
    "cooking": {
        "en": "Mix the flour with sugar and butter, then bake the cake for forty minutes.",
        "ru": "Смешайте муку с сахаром и маслом, затем выпекайте торт сорок минут.",
        "bg": "Смесете брашното със захарта и маслото, след това печете тортата четиридесет минути.",
        "pt": "Misture a farinha com o açúcar e a manteiga e asse o bolo durante quarenta minutos.",
        "hi": "आटे को चीनी और मक्खन के साथ मिलाएँ, फिर केक को चालीस मिनट तक बेक करें।",
    },
}


def test_translations_are_closer_than_unrelated_sentences(enc):
    topics = list(PAIRS)
    langs = ["en", "ru", "bg", "pt", "hi"]
    X = {(t, l): v for t in topics for l, v in zip(langs, enc.embed([PAIRS[t][l] for l in langs]))}
    same, other = [], []
    for t in topics:
        for l1 in langs:
            for l2 in langs:
                if l1 >= l2:
                    continue
                same.append(float(X[t, l1] @ X[t, l2]))
                other += [float(X[t, l1] @ X[u, l2]) for u in topics if u != t]
    assert np.mean(same) > np.mean(other) + 0.1, (np.mean(same), np.mean(other))
    # English against each language: the translation is the nearest of the four topics
    hits = sum(max(topics, key=lambda u: float(X[t, "en"] @ X[u, l])) == t for t in topics for l in langs[1:])
    assert hits >= 14, hits  # of 16


def test_missing_artifacts_raise_a_model_error(tmp_path):
    from narrascope.errors import ModelError

    with pytest.raises(ModelError, match="missing"):
        StaticEncoder(tmp_path).embed(["x"])


def test_pieces_are_cut_from_the_blob_at_character_boundaries():
    import numpy as np

    from narrascope.models.static_encoder import split_blob

    pieces = ["", "▁the", "é", "Путин", "पुतिन", "😀x", "", "a"]
    enc = [p.encode("utf-8") for p in pieces]
    offsets = np.cumsum([0] + [len(e) for e in enc])
    assert split_blob(b"".join(enc), offsets) == pieces
