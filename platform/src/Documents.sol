// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Documents
/// @notice ERC-1643 document storage (name -> URI + content hash + last modified time).
/// The setters are left to the inheriting token, which adds roles and action references.
abstract contract Documents {
    struct Document {
        string uri;
        bytes32 documentHash;
        uint256 lastModified;
    }

    mapping(bytes32 name => Document) private _documents;
    bytes32[] private _names;
    mapping(bytes32 name => uint256 indexPlusOne) private _index;

    error DocumentNotFound(bytes32 name);
    error InvalidDocument(bytes32 name);

    /// @notice ERC-1643: a document was added or replaced.
    event DocumentUpdated(bytes32 indexed name, string uri, bytes32 documentHash);
    /// @notice ERC-1643: a document was removed.
    event DocumentRemoved(bytes32 indexed name, string uri, bytes32 documentHash);

    /// @notice ERC-1643: URI, hash and last modification time of `name`.
    function getDocument(bytes32 name) external view returns (string memory, bytes32, uint256) {
        Document storage d = _documents[name];
        return (d.uri, d.documentHash, d.lastModified);
    }

    /// @notice ERC-1643: names of all documents.
    function getAllDocuments() external view returns (bytes32[] memory) {
        return _names;
    }

    function _setDocument(bytes32 name, string calldata uri, bytes32 documentHash) internal {
        if (name == bytes32(0) || bytes(uri).length == 0) revert InvalidDocument(name);
        if (_index[name] == 0) {
            _names.push(name);
            _index[name] = _names.length;
        }
        _documents[name] = Document(uri, documentHash, block.timestamp);
        emit DocumentUpdated(name, uri, documentHash);
    }

    function _removeDocument(bytes32 name) internal {
        uint256 idx = _index[name];
        if (idx == 0) revert DocumentNotFound(name);
        uint256 last = _names.length;
        if (idx != last) {
            bytes32 moved = _names[last - 1];
            _names[idx - 1] = moved;
            _index[moved] = idx;
        }
        _names.pop();
        delete _index[name];
        Document memory d = _documents[name];
        delete _documents[name];
        emit DocumentRemoved(name, d.uri, d.documentHash);
    }
}
