"""The findings cache: one signed file per configuration in a folder of the user's.

Entries are keyed by each file's content (and stat signature, so a warm run reads no
file); the cache file's name is :func:`settings_key`, which covers the tool's version,
the configuration and every file of the package. Each cache file carries an HMAC with a
per-user key (kept outside the project, owner-only), so a cache planted by someone else,
or moved between configurations, is never believed. Speed only: a miss, a refused
folder or a damaged file means the file is analyzed again, never a different finding.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

from ac_fixer import __version__
from ac_fixer.api import Settings
from ac_fixer.files import CollectorPaused, SourceFile
from ac_fixer.findings import Finding

PACKAGE_DIR = Path(__file__).resolve().parent


def signature_text(info: os.stat_result) -> str:
    """``files.signature`` of a stat as one string: what an entry stores. (A JSON string
    decodes in about half the time of a list of four large integers, and a warm run decodes
    one entry per file of the tree, even to check one file.)"""
    return f"{info.st_mtime_ns} {info.st_size} {info.st_ino} {info.st_ctime_ns}"


def _signature_text_of(signature_list: Sequence[int]) -> str:
    """The same string from ``files.signature``'s list (what the runner read)."""
    return " ".join(map(str, signature_list))


def content_digest(source: bytes) -> str:
    return hashlib.blake2b(source, digest_size=16).hexdigest()


def settings_key(settings: Settings, package_dir: Path = PACKAGE_DIR) -> str:
    """The cache file's key: tool version, configuration, and every file of the package
    (its code and catalog.toml: a changed checkout, a new catalog row or a fix of ours never
    reuses older results)."""
    text = repr((
        __version__, _libcst_version(), settings.value, settings.select, settings.ignore, settings.extra_targets,
        settings.per_file_ignores, getattr(settings.project, "key", None),
    ))
    digest = hashlib.sha256(text.encode())
    own = _own_digest() if Path(package_dir) == PACKAGE_DIR else package_digest(package_dir)
    digest.update(own.encode())
    return digest.hexdigest()[:16]


def _libcst_version() -> str:
    """What tells the installed libcst apart: the digest of its generated ``_version.py``
    (found without importing libcst), else its distribution's version. (Not
    importlib.metadata first: importing it costs more than a warm one-file run's whole
    cache lookup; the version file changes with every release, as the version does.)"""
    import importlib.util

    try:
        spec = importlib.util.find_spec("libcst")
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        try:
            with open(os.path.join(folder, "_version.py"), "rb") as handle:
                return "_version.py " + hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            continue
    from importlib import metadata

    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return "?"


@lru_cache(maxsize=None)
def _own_digest() -> str:
    """This package's digest, once per process (its files do not change under a run)."""
    return package_digest(PACKAGE_DIR)


def package_files(package_dir: Path = PACKAGE_DIR) -> list:
    """The package's own files (code and data, no byte-code), relative, sorted: what a
    finding can depend on. Read from the folder, so a new module is part of the key
    without anyone listing it."""
    found = []
    for folder, dirnames, filenames in os.walk(package_dir):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in filenames:
            if name.endswith((".py", ".toml")):
                found.append(os.path.relpath(os.path.join(folder, name), package_dir).replace(os.sep, "/"))
    return sorted(found)


def package_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 over the package's files, names included."""
    digest = hashlib.sha256()
    for name in package_files(package_dir):
        try:
            digest.update(name.encode() + b"\0" + (Path(package_dir) / name).read_bytes() + b"\0")
        except OSError:
            digest.update(name.encode() + b"\0missing\0")
    return digest.hexdigest()


def default_cache_dir() -> Path:
    configured = os.environ.get("AC_FIXER_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path.cwd() / ".ac-fixer-cache"


class CacheRefused(Exception):
    """The cache folder or the user's key cannot be trusted: the run goes on without the
    cache (the message says why, for one warning on stderr)."""


CACHE_MAGIC = b"ac-fixer-cache 2 "  # then the MAC in hex, a newline, the JSON payload
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a larger cache file is not read (a miss, never a hang)
_KEY_NAME = "key"
_KEY_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KEYS: dict = {}  # key file -> key, once per process


def _owner_problem(info: os.stat_result) -> Optional[str]:
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and info.st_uid != geteuid():
        return f"owned by uid {info.st_uid}, not by this user (uid {geteuid()})"
    return None


def _open_checked_folder(path: Path, *, create: bool, private: bool) -> Optional[int]:
    """A descriptor of the folder ``path`` once it is known to be a folder (not a symlink)
    owned by the running user that group and others may not write (``private``: may not
    reach at all). Files in it are then opened relative to the descriptor, so the folder
    cannot be swapped for a link after the check. None when it is absent and not ``create``d
    (created 0700 when private, else 0755 whatever the umask)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
    for _ in range(3):
        try:
            fd = os.open(path, flags)
            break
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.makedirs(path.parent, exist_ok=True)
                os.mkdir(path, 0o700 if private else 0o755)
            except FileExistsError:
                pass
            except OSError as error:
                raise CacheRefused(f"{path}: cannot create: {error.strerror or error}") from None
        except OSError as error:
            if os.path.islink(path):
                raise CacheRefused(f"{path} is a symlink (not followed)") from None
            if os.path.exists(path) and not os.path.isdir(path):
                raise CacheRefused(f"{path} is not a folder") from None
            raise CacheRefused(f"{path}: cannot open: {error.strerror or error}") from None
    else:
        raise CacheRefused(f"{path}: cannot create")
    try:
        info = os.fstat(fd)
        problem = _owner_problem(info)
        mode = stat.S_IMODE(info.st_mode)
        if problem is None and private and mode & 0o077:
            problem = f"group or others may access it (mode {mode:04o}; must be 0700)"
        elif problem is None and mode & 0o022:
            problem = f"writable by group or others (mode {mode:04o}; `chmod go-w` it or `ac-fixer clean`)"
    except OSError as error:
        problem = f"cannot check: {error.strerror or error}"
    if problem is not None:
        os.close(fd)
        raise CacheRefused(f"{path}: {problem}")
    return fd


def _read_in(folder_fd: int, name: str, limit: int, *, private: bool = False) -> Optional[bytes]:
    """The bytes of ``name`` in the folder, or None when it is absent, a symlink, not a
    regular file of the running user (``private``: not 0600), or larger than ``limit``."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW, dir_fd=folder_fd)
    except (OSError, NotImplementedError):
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or _owner_problem(info) is not None or info.st_size > limit
                or (private and stat.S_IMODE(info.st_mode) & 0o077)):
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) if size <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _temp_in(folder_fd: int, name: str, data: bytes, *, sync: bool = False) -> str:
    """A new 0600 file in the folder holding ``data``; its name. (Not tempfile.mkstemp:
    that takes a path, and the file must go in the folder that was checked, by descriptor.)"""
    import secrets

    temp = f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=folder_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        _unlink_in(folder_fd, temp)
        raise
    return temp


def _unlink_in(folder_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=folder_fd)
    except OSError:
        pass


def key_folder() -> Path:
    """Where the user's secret key lives: ``$XDG_CACHE_HOME/ac-fixer`` (an absolute
    XDG_CACHE_HOME only, as the XDG spec says), else ``~/.cache/ac-fixer``."""
    base = os.environ.get("XDG_CACHE_HOME")
    if base and os.path.isabs(base):
        return Path(base) / "ac-fixer"
    try:
        return Path.home() / ".cache" / "ac-fixer"
    except RuntimeError:
        raise CacheRefused("no home folder for the cache key (set XDG_CACHE_HOME)") from None


def user_key() -> bytes:
    """The running user's secret key for the cache's MAC: a 0600 file in a 0700 folder of
    the user's own (created atomically on first use: written under a temporary name, then
    linked to its name, so no run ever reads half a key). Raises CacheRefused."""
    folder = key_folder()
    where = str(folder / _KEY_NAME)
    if where in _KEYS:
        return _KEYS[where]
    fd = _open_checked_folder(folder, create=True, private=True)
    try:
        text = _read_in(fd, _KEY_NAME, 2 * _KEY_BYTES, private=True)
        if text is None and not _exists_in(fd, _KEY_NAME):
            import secrets

            temp = _temp_in(fd, _KEY_NAME, secrets.token_hex(_KEY_BYTES).encode(), sync=True)
            try:
                os.link(temp, _KEY_NAME, src_dir_fd=fd, dst_dir_fd=fd)
            except FileExistsError:
                pass  # another run created it first: use that one
            except OSError:
                os.replace(temp, _KEY_NAME, src_dir_fd=fd, dst_dir_fd=fd)  # no hard links here
            finally:
                _unlink_in(fd, temp)
            text = _read_in(fd, _KEY_NAME, 2 * _KEY_BYTES, private=True)
    except (OSError, NotImplementedError) as error:  # NotImplementedError: no *at() calls here
        raise CacheRefused(f"{where}: {getattr(error, 'strerror', None) or error}") from None
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex((text or b"").decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise CacheRefused(f"{where}: not a private key file of this user (a regular 0600 file of "
                           f"{2 * _KEY_BYTES} hex digits, not a symlink); remove it to make a new one")
    _KEYS[where] = key
    return key


def _exists_in(folder_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
        return True
    except OSError:
        return False


def mac(key: bytes, name: str, payload: bytes) -> bytes:
    """The MAC of a cache file's payload, bound to its name (the configuration's key), so
    entries cannot be moved to another configuration's file either."""
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


def signed_bytes(key: bytes, name: str, payload: bytes) -> bytes:
    """The bytes of the cache file ``name`` holding ``payload``: CACHE_MAGIC, the MAC, a
    newline, the payload."""
    return CACHE_MAGIC + mac(key, name, payload) + b"\n" + payload


def load_signed(cache_dir: Optional[Path], name: str) -> dict:
    """The JSON object of the signed file ``name`` in ``cache_dir`` (another cache of the
    package's, e.g. the project index), {} when absent, refused or not signed by this user."""
    if cache_dir is None:
        return {}
    try:
        secret = user_key()
        fd = _open_checked_folder(cache_dir, create=False, private=False)
    except CacheRefused:
        return {}
    if fd is None:
        return {}
    try:
        data = _read_in(fd, name, MAX_CACHE_BYTES)
    finally:
        os.close(fd)
    if data is None or not data.startswith(CACHE_MAGIC):
        return {}
    signed, _, payload = data[len(CACHE_MAGIC):].partition(b"\n")
    if not hmac.compare_digest(signed, mac(secret, name, payload)):
        return {}
    try:
        parsed = json.loads(payload)
    except (ValueError, RecursionError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def save_signed(cache_dir: Optional[Path], name: str, data: dict) -> None:
    """Write ``data`` as the signed file ``name`` in ``cache_dir`` (atomically; a cache that
    cannot be written only costs time)."""
    if cache_dir is None:
        return
    try:
        secret = user_key()
        fd = _open_checked_folder(cache_dir, create=True, private=False)
    except CacheRefused:
        return
    temp = None
    try:
        try:  # the folder ignores itself in git, as the findings cache makes it
            marker = os.open(".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=fd)
            with os.fdopen(marker, "wb") as handle:
                handle.write(CACHE_GITIGNORE)
        except FileExistsError:
            pass
        payload = json.dumps(data).encode()
        temp = _temp_in(fd, name, signed_bytes(secret, name, payload))
        os.replace(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
        temp = None
    except (OSError, ValueError, NotImplementedError):
        pass
    finally:
        if temp is not None:
            _unlink_in(fd, temp)
        os.close(fd)


class Cache:
    """Findings per file, for one tool version and configuration, keyed by the file's
    content.

    A file whose size, times and inode are what they were when it was analyzed is not
    read again (a warm run stats each file and reads none). A file whose signature
    changed is read, and when its content has the digest stored with the findings (a
    checkout that rewrote it as it was, a `touch`), the findings stand. One JSON file per
    configuration, replaced atomically: two runs at once each write a complete file,
    and the later one wins. JSON, not pickle: a cache file that came with a checked-out
    tree must never be able to run code. A damaged entry is a miss, never a crash.

    Trust: the folder must be the running user's own, not a symlink, not writable by group
    or others (else ``refused`` says why and the run goes on without the cache); the file
    carries an HMAC of its payload with the user's secret key (``user_key``), checked before
    the JSON is parsed. A file without it, or with another key's, is a miss: no one else
    can write entries that hide a finding.
    """

    def __init__(self, directory: Path, settings: Settings):
        self.directory = directory
        self.name = f"findings-{settings_key(settings)}.json"
        self.file = directory / self.name
        self.entries: dict = {}
        self.dirty = False
        self.refused: Optional[str] = None
        try:
            self._secret = user_key()
            fd = _open_checked_folder(directory, create=False, private=False)
        except CacheRefused as error:
            self.refused = str(error)
            return
        if fd is None:
            return  # no cache yet
        try:
            data = _read_in(fd, self.name, MAX_CACHE_BYTES)
        finally:
            os.close(fd)
        payload = self._verified(data)
        try:
            with CollectorPaused():  # tens of thousands of objects, no cycles
                parsed = json.loads(payload) if payload is not None else None
            if isinstance(parsed, dict) and parsed.get("version") == __version__:
                entries = parsed.get("entries", {})
                self.entries = entries if isinstance(entries, dict) else {}
        except (ValueError, RecursionError):
            self.entries = {}  # garbage (even with a good MAC: a miss, never a crash)

    def _verified(self, data: Optional[bytes]) -> Optional[bytes]:
        """The payload when ``data`` carries this user's MAC for this file, else None."""
        if data is None or not data.startswith(CACHE_MAGIC):
            return None
        signed, _, payload = data[len(CACHE_MAGIC):].partition(b"\n")
        return payload if hmac.compare_digest(signed, mac(self._secret, self.name, payload)) else None

    def get(self, item: SourceFile, info: Optional[os.stat_result] = None) -> tuple:
        """(findings, None) when the file's signature is unchanged; else (None, known):
        known is (content digest, findings) to compare the file's content with, or None.
        ``info``: the file's ``os.stat`` taken earlier in this run (the project's facts
        take one of every project file), else it is taken here."""
        # Keyed by the absolute path as the walk spelled it (no abspath, no Path per file).
        entry = self.entries.get(item.abspath)
        if entry is None:
            return None, None
        try:
            stored_signature, records = entry[0], entry[1]
            current = info if info is not None else os.stat(item.filename)
            if stored_signature == signature_text(current):  # an earlier list: a miss
                return ([] if records == [] else _findings_from(records, item.display)), None
            digest = entry[2] if len(entry) > 2 else None
            return None, ((digest, _findings_from(records, item.display)) if isinstance(digest, str) else None)
        except (OSError, KeyError, IndexError, TypeError, ValueError, AttributeError):
            return None, None  # gone, or a damaged or foreign entry: a miss

    def put(self, item: SourceFile, read_signature: list, findings: Sequence[Finding], digest=None) -> None:
        self.entries[item.abspath] = [_signature_text_of(read_signature), [f.to_record() for f in findings], digest]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.refused is not None:
            return
        try:
            fd = _open_checked_folder(self.directory, create=True, private=False)
        except CacheRefused as error:
            self.refused = str(error)  # e.g. replaced by a symlink during the run: not written
            return
        temp = None
        try:
            try:
                marker = os.open(".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=fd)
                with os.fdopen(marker, "wb") as handle:
                    handle.write(CACHE_GITIGNORE)
            except FileExistsError:
                pass  # already there (even a dangling symlink: never followed)
            payload = json.dumps({"version": __version__, "entries": self.entries}).encode()
            temp = _temp_in(fd, self.name, signed_bytes(self._secret, self.name, payload))
            os.replace(temp, self.name, src_dir_fd=fd, dst_dir_fd=fd)
            temp = None
        except (OSError, ValueError, NotImplementedError):
            pass  # a cache that cannot be written only costs time
        finally:
            if temp is not None:
                _unlink_in(fd, temp)
            os.close(fd)


def _findings_from(records, display: str) -> list:
    """The findings of an entry's records (most entries have none: nothing to decode).
    A record list that is not a list raises TypeError (a damaged entry: a miss)."""
    if records == []:
        return []
    return [Finding.from_record(record, display) for record in records]


CACHE_GITIGNORE = b"# Created by ac-fixer.\n*\n"


def _written_by_us(name: str) -> bool:
    return name == ".gitignore" or name.endswith(".tmp") or (
        name.startswith(("findings-", "project-")) and name.endswith(".json")
    )


def remove_cache_folder(path: Path) -> tuple:
    """Remove the cache folder ``path``: the files ac-fixer writes there, then the folder.
    (removed, why it was left or None). Never follows a symlink: a folder that is one is
    left as it is; a link inside is removed itself (unlink), never its target. A folder
    that holds other files keeps them and is left (``--cache-dir`` may name any folder)."""
    if not os.path.lexists(path):
        return False, None
    if os.path.islink(path):
        return False, f"{path}: a symlink; not followed, not removed"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW)
    except OSError as error:
        return False, f"{path}: not removed: {error.strerror or error}"
    try:
        for name in os.listdir(fd):
            if _written_by_us(name):
                try:
                    os.unlink(name, dir_fd=fd)
                except OSError:
                    pass  # a folder of that name: left, and so is the cache folder
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except OSError as error:
        left = sorted(os.listdir(path)) if os.path.isdir(path) and not os.path.islink(path) else []
        if left:
            return False, f"{path}: not removed: it holds files ac-fixer did not write ({', '.join(left[:3])})"
        return False, f"{path}: not removed: {error.strerror or error}"
    return True, None


def cache_folders_under(top: str) -> list:
    """Every ``.ac-fixer-cache`` below the folder ``top`` (symlinked folders are not walked)."""
    from ac_fixer.config import CACHE_FOLDER

    found = []
    for directory, dirnames, _ in os.walk(top, followlinks=False):
        if CACHE_FOLDER in dirnames:
            found.append(Path(directory, CACHE_FOLDER))
        dirnames[:] = sorted(d for d in dirnames if d not in (CACHE_FOLDER, ".git"))
    return found
