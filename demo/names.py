"""The pools the demo register draws its people from: names, email domains (RFC 2606, never
delivered), phone area codes, addresses elsewhere, pets and unit notes.
"""

FIRST_NAMES = (
    "Aarav", "Abigail", "Ahmad", "Aiko", "Alejandro", "Amelia", "Amrit", "Ana", "Benjamin",
    "Bo", "Camille", "Carlos", "Chloe", "Daniel", "Darius", "Deepa", "Elena", "Emeka", "Emily",
    "Ethan", "Fatima", "Gabriel", "Grace", "Hana", "Harjit", "Hiroshi", "Isabel", "Jack",
    "Jasmine", "Ji-woo", "Jun", "Kavya", "Kiran", "Laila", "Liam", "Lucas", "Mandeep", "Maya",
    "Mei", "Minh", "Mohammed", "Nadia", "Noah", "Olivia", "Omar", "Parisa", "Rafael", "Reza",
    "Rohan", "Sakura", "Samuel", "Sara", "Sean", "Simran", "Sofia", "Tariq", "Thomas",
    "Valentina", "Wei", "William", "Xin", "Yasmin", "Yusuf", "Zara",
)  # fmt: skip
LAST_NAMES = (
    "Ahmadi", "Anderson", "Bains", "Brown", "Campbell", "Chan", "Chen", "Cheng", "Dhaliwal",
    "Dubois", "Fernandes", "Fraser", "Garcia", "Gill", "Gonzalez", "Grewal", "Ha", "Hosseini",
    "Huang", "Ito", "Johal", "Kim", "Kowalski", "Lam", "Lau", "Lee", "Leung", "Li", "Liu",
    "MacDonald", "Martin", "Mendoza", "Mohammadi", "Morrison", "Nakamura", "Nguyen", "Novak",
    "O'Brien", "Okafor", "Park", "Patel", "Petrov", "Ramos", "Reid", "Rossi", "Sandhu",
    "Santos", "Sharma", "Sidhu", "Silva", "Singh", "Smith", "Tanaka", "Taylor", "Thompson",
    "Tran", "Walker", "Wang", "Wilson", "Wong", "Wu", "Yamamoto", "Yang", "Zhang",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606: never delivered
AREA_CODES = ("604", "778", "236")
# Where owners who do not live in their unit get their mail (SPA s.61 service by mail).
ELSEWHERE = (
    ("Kingsway", "Burnaby, BC  V5H 2A9"),
    ("No. 3 Road", "Richmond, BC  V6X 2C2"),
    ("Lonsdale Avenue", "North Vancouver, BC  V7M 2G3"),
    ("East 49th Avenue", "Vancouver, BC  V5W 2G7"),
    ("Marine Drive", "West Vancouver, BC  V7T 1B5"),
    ("Austin Avenue", "Coquitlam, BC  V3K 3P4"),
    ("Fraser Highway", "Surrey, BC  V3S 2K1"),
    ("Dunbar Street", "Vancouver, BC  V6S 2H3"),
)
OVERSEAS = (
    "Flat 12, 3 Marine Parade\nBrighton BN2 1TL\nUnited Kingdom",
    "7F, 18 Des Voeux Road Central\nCentral, Hong Kong",
    "24 Harbour Street\nSydney NSW 2000\nAustralia",
)
PETS = (
    "Dog: Biscuit (beagle)",
    "Cat: Miso",
    "Cats: Pepper and Salt",
    "Dog: Juniper (golden retriever)",
    "Budgie: Kiwi",
    "Dog: Tofu (shiba inu)",
    "Cat: Earl Grey",
)
UNIT_NOTES = (
    "Water shut-off valve behind the laundry panel.",
    "Council approved hardwood flooring with acoustic underlay (2022).",
    "Owner-installed heat pump; council approval on file.",
    "Key fob count: 3.",
    "Balcony membrane repaired in 2023.",
)
