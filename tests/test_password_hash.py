"""The factories hash passwords cheaply; production accounts stay on scrypt and still log in."""
from extensions import db
from models.users import User
from services.staff import create_desk_account
from tests.conftest import body


def test_desk_accounts_are_stored_with_scrypt_and_log_in(client, make):
    tree = make.tree()
    secretary = make.staff(tree["street"], role="secretary")
    created = create_desk_account(secretary, "scrypt-user", "correct-horse-1", "新同事",
                                  tree["community_a"].id, "staff")
    db.session.commit()
    assert db.session.get(User, created.id).password_hash.startswith("scrypt:")
    response = client.post("/api/v1/auth/desk-login", json={"username": "scrypt-user", "password": "correct-horse-1"})
    assert response.status_code == 200
    wrong = client.post("/api/v1/auth/desk-login", json={"username": "scrypt-user", "password": "correct-horse-2"})
    assert body(wrong)["error"]["code"] == "invalid_credentials"


def test_factory_accounts_use_the_cheap_hash_and_log_in(client, make):
    staff = make.staff(make.tree()["community_a"], password="cheap-horse-1")
    assert staff.password_hash.startswith("pbkdf2:sha256:1$")
    response = client.post("/api/v1/auth/desk-login", json={"username": staff.username, "password": "cheap-horse-1"})
    assert response.status_code == 200
