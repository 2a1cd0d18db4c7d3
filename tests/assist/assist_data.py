"""Made-up moderation histories for the assistant's tests (no corpus needed)."""
from __future__ import annotations

import random

from engage.assist.features import CLEAN, Example

CLEAN_OPENINGS = ["Bài viết rất hay", "Cảm ơn tác giả", "Thông tin hữu ích", "Mong chính quyền",
                  "Tôi đồng ý với ý kiến", "Hy vọng sớm có kết quả", "Chúc mừng đội tuyển",
                  "Giá xăng lại tăng", "Đường ở quê tôi", "Bệnh viện tỉnh"]
CLEAN_ENDINGS = ["sớm giải quyết", "rất đáng đọc", "cần được quan tâm", "làm tốt hơn nữa",
                 "ủng hộ hết mình", "cho bà con yên tâm", "nhé mọi người", "thật tuyệt vời"]
TOXIC_WORDS = ["ngu như bò", "óc chó", "đồ khốn nạn", "lũ súc vật", "câm mồm đi",
               "thằng mất dạy", "con đĩ", "đồ rác rưởi"]
TOXIC_OPENINGS = ["Thằng tác giả", "Bọn mày", "Loại người này", "Cái lũ quan chức", "Mày"]
FILLERS = ["hôm nay", "ở xã", "năm nay", "thật sự", "quá", "lắm", "rồi", "nữa"]



def generated_history(clean: int, rejected: int, seed: int = 10) -> list[Example]:
    """A made-up site history: ``clean`` approved and ``rejected`` rejected comments."""
    rng = random.Random(seed)
    rows = []
    for _ in range(clean):
        text = f"{rng.choice(CLEAN_OPENINGS)} {rng.choice(FILLERS)}, {rng.choice(CLEAN_ENDINGS)}"
        rows.append(Example(text, CLEAN))
    for _ in range(rejected):
        text = (f"{rng.choice(TOXIC_OPENINGS)} {rng.choice(FILLERS)} "
                f"{rng.choice(TOXIC_WORDS)} {rng.choice(FILLERS)}")
        rows.append(Example(text, "rejected"))
    rng.shuffle(rows)
    return rows
