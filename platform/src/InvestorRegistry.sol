// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IInvestorRegistry} from "./IInvestorRegistry.sol";
import {InvestorRecord} from "./InvestorRecord.sol";

/// @title InvestorRegistry
/// @notice One registry shared by every security token of the platform: one KYC, many tokens.
/// Maps each wallet to an investor (id, country, KYC expiry, accredited / qualified flags).
/// An investor may own several wallets; the attributes are the investor's and are written to
/// every wallet of that investor, so a token reads one slot per party.
/// @dev Managed by AGENT_ROLE (the platform's signer). Every write carries the platform's
/// action reference `ref`, which is emitted and can be used only once, so a replayed action
/// is refused. A wallet, once bound to an investor, stays bound to that investor forever
/// (revoking keeps the id): tokens rely on this to keep per-investor balances exact.
contract InvestorRegistry is AccessControl, IInvestorRegistry {
    using InvestorRecord for uint256;

    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");

    /// @notice One wallet to register, for {registerWallets}.
    struct Registration {
        address wallet;
        uint64 investorId;
        uint16 country;
        uint40 kycExpiry;
        uint8 flags;
    }

    mapping(address wallet => uint256 record) private _records;
    mapping(uint64 investorId => address[] wallets) private _wallets;
    mapping(bytes32 ref => bool used) private _usedRefs;

    error EmptyRef();
    error RefAlreadyUsed(bytes32 ref);
    error InvalidWallet(address wallet);
    error InvalidInvestorId();
    error InvalidFlags(uint8 flags);
    error UnknownInvestor(uint64 investorId);
    error WalletNotRegistered(address wallet);
    error WalletBoundToOtherInvestor(address wallet, uint64 investorId);

    /// @notice `wallet` is now an active wallet of `investorId`.
    event WalletRegistered(bytes32 indexed ref, address indexed wallet, uint64 indexed investorId);
    /// @notice The attributes of `investorId` (applied to all its wallets) changed.
    event InvestorUpdated(
        bytes32 indexed ref, uint64 indexed investorId, uint16 country, uint40 kycExpiry, uint8 flags
    );
    /// @notice `wallet` can no longer hold or move tokens; it stays bound to `investorId`.
    event WalletRevoked(bytes32 indexed ref, address indexed wallet, uint64 indexed investorId);

    constructor(address admin, address agent) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(AGENT_ROLE, agent);
    }

    // ------------------------------------------------------------------ writes (agent)

    /// @notice Registers (or re-activates) `wallet` for `investorId` and sets the investor's
    /// attributes on all of its wallets.
    function registerWallet(
        bytes32 ref,
        address wallet,
        uint64 investorId,
        uint16 country,
        uint40 kycExpiry,
        uint8 flags
    ) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        _register(ref, wallet, investorId, country, kycExpiry, flags);
    }

    /// @notice Registers many wallets under one reference (e.g. an onboarding batch).
    function registerWallets(bytes32 ref, Registration[] calldata regs) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        for (uint256 i; i < regs.length; ++i) {
            Registration calldata g = regs[i];
            _register(ref, g.wallet, g.investorId, g.country, g.kycExpiry, g.flags);
        }
    }

    /// @notice Updates country, KYC expiry and flags of an investor on all of its wallets.
    function updateInvestor(bytes32 ref, uint64 investorId, uint16 country, uint40 kycExpiry, uint8 flags)
        external
        onlyRole(AGENT_ROLE)
    {
        _useRef(ref);
        if (_wallets[investorId].length == 0) revert UnknownInvestor(investorId);
        _checkFlags(flags);
        _setAttributes(ref, investorId, country, kycExpiry, flags);
    }

    /// @notice Revokes an active wallet: tokens treat it as unregistered from now on.
    function revokeWallet(bytes32 ref, address wallet) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        uint256 r = _records[wallet];
        if (!r.isActive()) revert WalletNotRegistered(wallet);
        _records[wallet] = r | (uint256(InvestorRecord.FLAG_REVOKED) << 120);
        emit WalletRevoked(ref, wallet, r.investorId());
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IInvestorRegistry
    function recordOf(address wallet) external view returns (uint256) {
        return _records[wallet];
    }

    /// @inheritdoc IInvestorRegistry
    function recordsOf(address a, address b) external view returns (uint256, uint256) {
        return (_records[a], _records[b]);
    }

    /// @inheritdoc IInvestorRegistry
    function recordsOfMany(address[] calldata wallets) external view returns (uint256[] memory out) {
        out = new uint256[](wallets.length);
        for (uint256 i; i < wallets.length; ++i) {
            out[i] = _records[wallets[i]];
        }
    }

    /// @notice Decoded record of `wallet`; `active` is false when unregistered or revoked.
    function investorOf(address wallet)
        external
        view
        returns (uint64 investorId, uint16 country, uint40 kycExpiry, uint8 flags, bool active)
    {
        uint256 r = _records[wallet];
        uint8 publicFlags = r.flags() & (InvestorRecord.FLAG_ACCREDITED | InvestorRecord.FLAG_QUALIFIED);
        return (r.investorId(), r.country(), r.kycExpiry(), publicFlags, r.isActive());
    }

    /// @notice True when `wallet` is active and its KYC has not expired.
    function isVerified(address wallet) external view returns (bool) {
        uint256 r = _records[wallet];
        return r.isActive() && !r.isExpired(block.timestamp);
    }

    /// @inheritdoc IInvestorRegistry
    function walletsOf(uint64 investorId) external view returns (address[] memory) {
        return _wallets[investorId];
    }

    /// @notice True when `ref` has already been used by a registry write.
    function isRefUsed(bytes32 ref) external view returns (bool) {
        return _usedRefs[ref];
    }

    // ------------------------------------------------------------------ internals

    function _register(
        bytes32 ref,
        address wallet,
        uint64 investorId,
        uint16 country,
        uint40 kycExpiry,
        uint8 flags
    ) private {
        if (wallet == address(0)) revert InvalidWallet(wallet);
        if (investorId == 0) revert InvalidInvestorId();
        _checkFlags(flags);
        uint64 bound = _records[wallet].investorId();
        if (bound == 0) {
            _wallets[investorId].push(wallet);
        } else if (bound != investorId) {
            revert WalletBoundToOtherInvestor(wallet, bound);
        }
        // Clear a previous revocation; _setAttributes keeps other wallets' revoked bits.
        _records[wallet] = InvestorRecord.pack(investorId, country, kycExpiry, flags);
        emit WalletRegistered(ref, wallet, investorId);
        _setAttributes(ref, investorId, country, kycExpiry, flags);
    }

    function _setAttributes(bytes32 ref, uint64 investorId, uint16 country, uint40 kycExpiry, uint8 flags)
        private
    {
        address[] storage ws = _wallets[investorId];
        uint8 stored = ws.length > 1 ? flags | InvestorRecord.FLAG_MULTI : flags;
        uint256 packed = InvestorRecord.pack(investorId, country, kycExpiry, stored);
        for (uint256 i; i < ws.length; ++i) {
            address w = ws[i];
            uint256 revoked = _records[w] & (uint256(InvestorRecord.FLAG_REVOKED) << 120);
            _records[w] = packed | revoked;
        }
        emit InvestorUpdated(ref, investorId, country, kycExpiry, flags);
    }

    function _checkFlags(uint8 flags) private pure {
        if (flags & ~(InvestorRecord.FLAG_ACCREDITED | InvestorRecord.FLAG_QUALIFIED) != 0) {
            revert InvalidFlags(flags);
        }
    }

    function _useRef(bytes32 ref) private {
        if (ref == bytes32(0)) revert EmptyRef();
        if (_usedRefs[ref]) revert RefAlreadyUsed(ref);
        _usedRefs[ref] = true;
    }
}
