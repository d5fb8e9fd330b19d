// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISettlementToken} from "./ISettlementToken.sol";

/// @title Settlement
/// @notice Delivery versus payment between {SecurityToken}s: a security leg and a cash leg
/// move in one transaction or nothing moves. Each party authorizes the exact delivery with an
/// EIP-712 signature (domain "Shoken Settlement", version "1", this chain and contract) over
///
///     Delivery(address security,uint256 units,address seller,address buyer,address cash,
///              uint256 price,uint256 nonce,uint256 deadline)
///
/// `units` of `security` go seller -> buyer and `price` (cash base units) of `cash` goes
/// buyer -> seller. A delivery is valid until `deadline` (unix seconds, inclusive, checked
/// against block time) and once only: `nonce` (the register's settlement id) is marked in a
/// bitmap. Only the platform (OPERATOR_ROLE) submits; the tokens let this contract move
/// wallets' balances through SETTLEMENT_ROLE and answer each leg with its ERC-1404 code, so a
/// refusal names the leg ({SecurityLegRestricted}, {CashLegRestricted}).
///
/// @dev Gas: the digest is computed once for both signatures, the nonce costs one word shared
/// by 256 settlements, each leg is one token call (itself one registry call). The EIP-712
/// domain is built here (as OpenZeppelin's EIP712 does: cached, rebuilt after a chain fork)
/// and signatures are recovered with `ecrecover` (low-s, v 27/28, as OpenZeppelin's ECDSA),
/// so the contract pulls in no string or math library.
contract Settlement is AccessControl {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant DELIVERY_TYPEHASH = keccak256(
        "Delivery(address security,uint256 units,address seller,address buyer,address cash,uint256 price,"
        "uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("Shoken Settlement");
    bytes32 private constant VERSION_HASH = keccak256("1");
    /// @dev Upper bound of a canonical (low) `s` (EIP-2).
    uint256 private constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    struct Delivery {
        address security;
        uint256 units;
        address seller;
        address buyer;
        address cash;
        uint256 price;
        uint256 nonce;
        uint256 deadline;
    }

    mapping(uint256 word => uint256 bits) private _usedNonces;

    error AuthorizationExpired(uint256 deadline);
    error AuthorizationUsed(uint256 nonce);
    error InvalidSignature(address signer);
    error SecurityLegRestricted(uint8 code);
    error CashLegRestricted(uint8 code);
    error InvalidDelivery();

    event Settled(
        uint256 indexed nonce,
        address indexed security,
        address indexed buyer,
        address seller,
        uint256 units,
        address cash,
        uint256 price,
        bool primary
    );

    /// @param admin gets DEFAULT_ADMIN_ROLE (grants and revokes roles)
    /// @param operator gets OPERATOR_ROLE (the platform signer that submits settlements)
    constructor(address admin, address operator) {
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, operator);
    }

    // ================================================================ settlements

    /// @notice Secondary trade: `units` of `security` seller -> buyer against `price` of `cash`
    /// buyer -> seller, both parties having signed the same delivery.
    function settle(Delivery calldata d, bytes calldata sellerSignature, bytes calldata buyerSignature)
        external
        onlyRole(OPERATOR_ROLE)
    {
        bytes32 digest = _open(d);
        _checkSignature(digest, sellerSignature, d.seller);
        _checkSignature(digest, buyerSignature, d.buyer);
        uint8 code = ISettlementToken(d.security).settlementTransfer(d.seller, d.buyer, d.units);
        if (code != 0) revert SecurityLegRestricted(code);
        _payLeg(d);
        emit Settled(d.nonce, d.security, d.buyer, d.seller, d.units, d.cash, d.price, false);
    }

    /// @notice Primary subscription: `units` of `security` are minted to the buyer against
    /// `price` of `cash` buyer -> seller (the issuer's treasury wallet). Only the buyer signs.
    /// The mint's action reference is {primaryRef}.
    function settlePrimary(Delivery calldata d, bytes calldata buyerSignature) external onlyRole(OPERATOR_ROLE) {
        bytes32 digest = _open(d);
        _checkSignature(digest, buyerSignature, d.buyer);
        uint8 code = ISettlementToken(d.security).settlementMint(primaryRef(d.nonce), d.buyer, d.units);
        if (code != 0) revert SecurityLegRestricted(code);
        _payLeg(d);
        emit Settled(d.nonce, d.security, d.buyer, d.seller, d.units, d.cash, d.price, true);
    }

    // ================================================================ views

    /// @notice True once a settlement with `nonce` went through.
    function isUsed(uint256 nonce) external view returns (bool) {
        return (_usedNonces[nonce >> 8] >> (nonce & 0xff)) & 1 == 1;
    }

    /// @notice The EIP-712 digest both parties sign for `d`.
    function deliveryDigest(Delivery calldata d) external view returns (bytes32) {
        return _digest(d);
    }

    /// @notice The EIP-712 domain separator (chain id and this contract).
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @notice The action reference of the mint of a primary settlement (unique per contract
    /// and nonce, so it never collides with the platform's own refs).
    function primaryRef(uint256 nonce) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), nonce));
    }

    // ================================================================ internals

    /// @dev Validates the delivery, spends its nonce and returns its digest.
    function _open(Delivery calldata d) private returns (bytes32) {
        if (d.units == 0 || d.price == 0 || d.seller == d.buyer || d.security == d.cash) revert InvalidDelivery();
        if (block.timestamp > d.deadline) revert AuthorizationExpired(d.deadline);
        uint256 nonce = d.nonce;
        uint256 bit = 1 << (nonce & 0xff);
        uint256 word = _usedNonces[nonce >> 8];
        if (word & bit != 0) revert AuthorizationUsed(nonce);
        _usedNonces[nonce >> 8] = word | bit;
        return _digest(d);
    }

    function _payLeg(Delivery calldata d) private {
        uint8 code = ISettlementToken(d.cash).settlementTransfer(d.buyer, d.seller, d.price);
        if (code != 0) revert CashLegRestricted(code);
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    function _digest(Delivery calldata d) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), keccak256(abi.encode(DELIVERY_TYPEHASH, d))));
    }

    /// @dev Reverts with {InvalidSignature}(party) unless `signature` (65 bytes r, s, v) is
    /// `party`'s canonical signature of `digest`.
    function _checkSignature(bytes32 digest, bytes calldata signature, address party) private pure {
        if (signature.length != 65) revert InvalidSignature(party);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (uint256(s) > MAX_S) revert InvalidSignature(party);
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0) || signer != party) revert InvalidSignature(party);
    }
}
