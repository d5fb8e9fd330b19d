// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IInvestorRegistry} from "./IInvestorRegistry.sol";
import {InvestorRecord} from "./InvestorRecord.sol";
import {ISettlementToken} from "./ISettlementToken.sol";
import {PackedERC20} from "./PackedERC20.sol";
import {Documents} from "./Documents.sol";
import {RestrictionCodes as RC} from "./RestrictionCodes.sol";

/// @title SecurityToken
/// @notice One permissioned ERC-20 per security. Transfers succeed only between active,
/// KYC-valid, unfrozen wallets of the shared {InvestorRegistry} that satisfy this token's
/// rules (country allowlist, accredited-only, qualified-only, lock-up date, per-investor
/// maximum balance, maximum number of holders counted by investor), and not while paused.
/// ERC-1404 reason codes are in {RestrictionCodes}; ERC-1643 documents in {Documents}.
///
/// Every agent / compliance operation carries `ref`, the platform's action id: it is emitted
/// and can be used once only ({RefAlreadyUsed}), so a replayed action never mints twice.
///
/// @dev Gas design (see platform/README.md): the wallet word packs balance + freeze state,
/// the rules + holder count + paused flag share one slot, the registry returns both parties'
/// packed records in one call. Holders are counted by investor: for an investor with a single
/// wallet the wallet balance is the investor balance, so no per-investor slot is touched; a
/// per-investor balance is kept only for multi-wallet investors (registry FLAG_MULTI),
/// initialised lazily from the wallets' balances the first time this token sees the flag.
/// The holder count moves only when an investor's balance crosses zero.
///
/// Delivery versus payment: the {Settlement} contract (SETTLEMENT_ROLE) moves investors'
/// balances with {settlementTransfer} (the investor-transfer rules) and issues with
/// {settlementMint} (the mint rules); both answer with the ERC-1404 code instead of reverting.
contract SecurityToken is PackedERC20, Documents, AccessControl, ISettlementToken {
    using InvestorRecord for uint256;

    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    bytes32 public constant SETTLEMENT_ROLE = keccak256("SETTLEMENT_ROLE");

    uint8 public constant RULE_COUNTRY_ALLOWLIST = 0x01;
    uint8 public constant RULE_ACCREDITED_ONLY = 0x02;
    uint8 public constant RULE_QUALIFIED_ONLY = 0x04;

    /// @notice Token rules, paused flag and holder count: one storage slot.
    /// Zero means "no limit" for lockupUntil, maxHolders and maxInvestorBalance.
    struct Rules {
        bool paused;
        uint8 flags;
        uint40 lockupUntil;
        uint32 maxHolders;
        uint32 holderCount;
        uint128 maxInvestorBalance;
    }

    /// @dev Marks an initialised entry of `_investorBalances` (multi-wallet investors only).
    uint256 private constant INVESTOR_INIT = 1 << 255;

    IInvestorRegistry public immutable registry;
    Rules private _rules;
    /// @dev balance | INVESTOR_INIT, for multi-wallet investors only (see contract doc).
    mapping(uint64 investorId => uint256 balanceWord) private _investorBalances;
    mapping(uint256 word => uint256 bits) private _countryBits;
    mapping(bytes32 ref => bool used) private _usedRefs;

    error EmptyRef();
    error RefAlreadyUsed(bytes32 ref);
    error TransferRestricted(uint8 code);
    error WalletNotRegistered(address wallet);
    error KycExpired(address wallet);
    error WalletFrozen(address wallet);
    error TokenPaused();
    error TokenNotPaused();
    error InsufficientFreeBalance(address wallet, uint256 available, uint256 needed);
    error FrozenAmountExceeded(address wallet, uint256 frozen, uint256 requested);
    error SupplyCapExceeded(uint256 supply, uint256 cap);
    error LengthMismatch();
    error InvestorMismatch(address lost, address replacement);
    error NothingToRecover(address wallet);
    error SameWallet(address wallet);
    error InvalidRules();

    event Minted(bytes32 indexed ref, address indexed to, uint256 amount);
    event BatchMinted(bytes32 indexed ref, uint256 count, uint256 total);
    event Burned(bytes32 indexed ref, address indexed from, uint256 amount);
    event BatchBurned(bytes32 indexed ref, uint256 count, uint256 total);
    event BatchPaid(bytes32 indexed ref, address indexed from, uint256 count, uint256 total);
    event ForcedTransfer(bytes32 indexed ref, address indexed from, address indexed to, uint256 amount);
    event WalletRecovered(bytes32 indexed ref, address indexed lost, address indexed replacement, uint256 amount);
    event WalletFreezeChanged(bytes32 indexed ref, address indexed wallet, bool frozen);
    event TokensFrozen(bytes32 indexed ref, address indexed wallet, uint256 amount);
    event TokensUnfrozen(bytes32 indexed ref, address indexed wallet, uint256 amount);
    event Paused(bytes32 indexed ref, address account);
    event Unpaused(bytes32 indexed ref, address account);
    event RulesUpdated(
        bytes32 indexed ref, uint8 flags, uint40 lockupUntil, uint32 maxHolders, uint128 maxInvestorBalance
    );
    event CountriesAllowed(bytes32 indexed ref, uint16[] countries, bool allowed);
    /// @notice Links an ERC-1643 DocumentUpdated / DocumentRemoved log to the platform action.
    event DocumentChanged(bytes32 indexed ref, bytes32 indexed name, bool removed);

    /// @param admin gets DEFAULT_ADMIN_ROLE (grants and revokes roles)
    /// @param agent gets AGENT_ROLE and COMPLIANCE_ROLE (the platform signer)
    /// @param settlement gets SETTLEMENT_ROLE (the {Settlement} contract); address(0) for none
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        IInvestorRegistry registry_,
        address admin,
        address agent,
        address settlement
    ) PackedERC20(name_, symbol_, decimals_) {
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(AGENT_ROLE, agent);
        _grantRole(COMPLIANCE_ROLE, agent);
        if (settlement != address(0)) _grantRole(SETTLEMENT_ROLE, settlement);
    }

    // ================================================================ ERC-1404 and views

    /// @notice ERC-1404: 0 when `from` may transfer `value` to `to` now, else a reason code.
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8) {
        (uint256 fr, uint256 tr) = registry.recordsOf(from, to);
        uint256 fw = _wallets[from];
        uint256 tw = _wallets[to];
        uint256 fInv = 0; // one investor on both sides: investor balances do not matter
        uint256 tInv = 0;
        if (fr.investorId() != tr.investorId()) {
            (fInv,) = _investorBalance(fr, fw);
            (tInv,) = _investorBalance(tr, tw);
        }
        return _transferRestriction(_rules, fr, tr, fw, tw, fInv, tInv, value);
    }

    /// @notice ERC-1404: message for a code of {detectTransferRestriction}.
    function messageForTransferRestriction(uint8 code) external pure returns (string memory) {
        return RC.message(code);
    }

    /// @notice How much `wallet` can transfer right now: balance minus frozen part, or 0
    /// when the token is paused or locked up, or the wallet is frozen, unregistered or its
    /// KYC has expired. (Recipient-side rules are not considered.)
    function transferableBalanceOf(address wallet) external view returns (uint256) {
        Rules memory r = _rules;
        uint256 w = _wallets[wallet];
        uint256 rec = registry.recordOf(wallet);
        if (
            r.paused || block.timestamp < r.lockupUntil || _isFrozenWord(w) || !rec.isActive()
                || rec.isExpired(block.timestamp)
        ) return 0;
        return _freeOfWord(w);
    }

    function frozenBalanceOf(address wallet) external view returns (uint256) {
        return _frozenOfWord(_wallets[wallet]);
    }

    function isWalletFrozen(address wallet) external view returns (bool) {
        return _isFrozenWord(_wallets[wallet]);
    }

    /// @notice Number of investors (not wallets) holding a non-zero balance.
    function holderCount() external view returns (uint256) {
        return _rules.holderCount;
    }

    /// @notice Sum of the balances of all wallets of `investorId`.
    function investorBalanceOf(uint64 investorId) external view returns (uint256) {
        uint256 s = _investorBalances[investorId];
        return s & INVESTOR_INIT != 0 ? s & BALANCE_MASK : _sumWallets(investorId);
    }

    function rules() external view returns (Rules memory) {
        return _rules;
    }

    function paused() external view returns (bool) {
        return _rules.paused;
    }

    function isCountryAllowed(uint16 country) public view returns (bool) {
        return (_countryBits[country >> 8] >> (country & 0xff)) & 1 == 1;
    }

    function isRefUsed(bytes32 ref) external view returns (bool) {
        return _usedRefs[ref];
    }

    // ================================================================ investor transfers

    function _transferChecked(address from, address to, uint256 amount) internal override {
        uint8 code = _move(from, to, amount);
        if (code != RC.SUCCESS) _revertRestricted(code, from, to, _wallets[from], amount);
    }

    /// @dev The hot path: one SLOAD for the rules, one registry call (two SLOADs there), two
    /// wallet words, and two investor balances when the parties are different investors.
    /// Returns the ERC-1404 code; nothing changes unless it is 0.
    function _move(address from, address to, uint256 amount) private returns (uint8) {
        Rules memory r = _rules;
        (uint256 fr, uint256 tr) = registry.recordsOf(from, to);
        uint256 fw = _wallets[from];
        uint256 tw = _wallets[to];
        uint64 fid = fr.investorId();
        uint64 tid = tr.investorId();
        bool cross = fid != tid && amount != 0;
        uint256 fInv = 0; // read only when `cross` (the rules get `cross && ...`)
        uint256 tInv = 0;
        bool fTracked = false;
        bool tTracked = false;
        if (cross) {
            (fInv, fTracked) = _investorBalance(fr, fw);
            (tInv, tTracked) = _investorBalance(tr, tw);
        }
        uint8 code = _transferRestriction(r, fr, tr, fw, tw, fInv, tInv, amount);
        if (code != RC.SUCCESS) return code;
        if (from != to) {
            // amount <= free balance <= balance, and balances stay <= MAX_SUPPLY: no bit spill.
            unchecked {
                _wallets[from] = fw - amount;
                _wallets[to] = tw + amount;
            }
        }
        if (cross) {
            if (fTracked) _investorBalances[fid] = (fInv - amount) | INVESTOR_INIT;
            if (tTracked) _investorBalances[tid] = (tInv + amount) | INVESTOR_INIT;
            bool fromLeaves = fInv == amount;
            bool toJoins = tInv == 0;
            if (fromLeaves != toJoins) {
                _rules.holderCount = toJoins ? r.holderCount + 1 : r.holderCount - 1;
            }
        }
        emit Transfer(from, to, amount);
        return RC.SUCCESS;
    }

    function _transferRestriction(
        Rules memory r,
        uint256 fr,
        uint256 tr,
        uint256 fw,
        uint256 tw,
        uint256 fInv,
        uint256 tInv,
        uint256 amount
    ) private view returns (uint8) {
        if (r.paused) return RC.PAUSED;
        if (!fr.isActive()) return RC.FROM_NOT_REGISTERED;
        if (!tr.isActive()) return RC.TO_NOT_REGISTERED;
        if (fr.isExpired(block.timestamp)) return RC.FROM_KYC_EXPIRED;
        if (tr.isExpired(block.timestamp)) return RC.TO_KYC_EXPIRED;
        if (_isFrozenWord(fw)) return RC.FROM_FROZEN;
        if (_isFrozenWord(tw)) return RC.TO_FROZEN;
        if (amount > _freeOfWord(fw)) return RC.INSUFFICIENT_FREE_BALANCE;
        if (block.timestamp < r.lockupUntil) return RC.LOCKED_UP;
        bool cross = fr.investorId() != tr.investorId();
        return _recipientRules(r, tr, cross, cross && amount != 0 && fInv == amount, tInv, amount);
    }

    /// @dev Rules about the receiving investor, shared by transfers and mints.
    function _recipientRules(Rules memory r, uint256 tr, bool cross, bool senderLeaves, uint256 tInv, uint256 amount)
        private
        view
        returns (uint8)
    {
        uint8 f = r.flags;
        if (f != 0) {
            if (f & RULE_COUNTRY_ALLOWLIST != 0 && !isCountryAllowed(tr.country())) return RC.COUNTRY_NOT_ALLOWED;
            if (f & RULE_ACCREDITED_ONLY != 0 && tr.flags() & InvestorRecord.FLAG_ACCREDITED == 0) {
                return RC.NOT_ACCREDITED;
            }
            if (f & RULE_QUALIFIED_ONLY != 0 && tr.flags() & InvestorRecord.FLAG_QUALIFIED == 0) {
                return RC.NOT_QUALIFIED;
            }
        }
        if (!cross || amount == 0) return RC.SUCCESS;
        if (r.maxInvestorBalance != 0 && tInv + amount > r.maxInvestorBalance) return RC.MAX_BALANCE_EXCEEDED;
        if (tInv == 0 && !senderLeaves && r.maxHolders != 0 && r.holderCount >= r.maxHolders) {
            return RC.MAX_HOLDERS_REACHED;
        }
        return RC.SUCCESS;
    }

    /// @dev Reverts with the most specific custom error for a restriction code.
    function _revertRestricted(uint8 code, address from, address to, uint256 fw, uint256 amount) private pure {
        if (code == RC.PAUSED) revert TokenPaused();
        if (code == RC.FROM_NOT_REGISTERED) revert WalletNotRegistered(from);
        if (code == RC.TO_NOT_REGISTERED) revert WalletNotRegistered(to);
        if (code == RC.FROM_KYC_EXPIRED) revert KycExpired(from);
        if (code == RC.TO_KYC_EXPIRED) revert KycExpired(to);
        if (code == RC.FROM_FROZEN) revert WalletFrozen(from);
        if (code == RC.TO_FROZEN) revert WalletFrozen(to);
        if (code == RC.INSUFFICIENT_FREE_BALANCE) revert InsufficientFreeBalance(from, _freeOfWord(fw), amount);
        revert TransferRestricted(code);
    }

    // ================================================================ settlement (delivery versus payment)

    /// @notice Moves `amount` from `from` to `to` under the same rules as an investor
    /// transfer. Returns the ERC-1404 code: 0 = moved, otherwise nothing changed.
    function settlementTransfer(address from, address to, uint256 amount)
        external
        onlyRole(SETTLEMENT_ROLE)
        returns (uint8)
    {
        return _move(from, to, amount);
    }

    /// @notice Issues `amount` to `to` under the same recipient rules as {mint}. Returns the
    /// ERC-1404 code: 0 = minted, otherwise nothing changed. The supply cap still reverts.
    function settlementMint(bytes32 ref, address to, uint256 amount)
        external
        onlyRole(SETTLEMENT_ROLE)
        returns (uint8)
    {
        Rules memory r = _rules;
        uint256 tr = registry.recordOf(to);
        uint256 tw = _wallets[to];
        uint8 code = _mintRestriction(r, tr, tw, amount);
        if (code != RC.SUCCESS) return code;
        _useRef(ref);
        uint32 before = r.holderCount;
        _creditWord(r, to, tw, tr, amount);
        _finish(r, before);
        _increaseSupply(amount);
        emit Transfer(address(0), to, amount);
        emit Minted(ref, to, amount);
        return RC.SUCCESS;
    }

    // ================================================================ agent: issuance

    /// @notice Issues `amount` to `to`; the recipient must pass the recipient-side rules
    /// (registered, KYC valid, not frozen, country, accreditation, max balance, max holders).
    /// Allowed while paused and during lock-up.
    function mint(bytes32 ref, address to, uint256 amount) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        Rules memory r = _rules;
        uint32 before = r.holderCount;
        _mintOne(r, to, registry.recordOf(to), amount);
        _finish(r, before);
        _increaseSupply(amount);
        emit Minted(ref, to, amount);
    }

    /// @notice Issues to many wallets under one reference (one registry call for all).
    function batchMint(bytes32 ref, address[] calldata to, uint256[] calldata amounts)
        external
        onlyRole(AGENT_ROLE)
    {
        _useRef(ref);
        if (to.length != amounts.length) revert LengthMismatch();
        Rules memory r = _rules;
        uint32 before = r.holderCount;
        uint256[] memory recs = registry.recordsOfMany(to);
        uint256 total = 0;
        for (uint256 i; i < to.length; ++i) {
            _mintOne(r, to[i], recs[i], amounts[i]);
            total += amounts[i];
        }
        _finish(r, before);
        _increaseSupply(total);
        emit BatchMinted(ref, to.length, total);
    }

    /// @notice Redeems `amount` from `from`; frozen tokens are unfrozen as needed.
    function burn(bytes32 ref, address from, uint256 amount) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        Rules memory r = _rules;
        uint32 before = r.holderCount;
        _debit(r, ref, from, registry.recordOf(from), amount);
        _finish(r, before);
        _totalSupply -= amount;
        emit Transfer(from, address(0), amount);
        emit Burned(ref, from, amount);
    }

    /// @notice Redeems from many wallets under one reference.
    function batchBurn(bytes32 ref, address[] calldata from, uint256[] calldata amounts)
        external
        onlyRole(AGENT_ROLE)
    {
        _useRef(ref);
        if (from.length != amounts.length) revert LengthMismatch();
        Rules memory r = _rules;
        uint32 before = r.holderCount;
        uint256[] memory recs = registry.recordsOfMany(from);
        uint256 total = 0;
        for (uint256 i; i < from.length; ++i) {
            _debit(r, ref, from[i], recs[i], amounts[i]);
            total += amounts[i];
            emit Transfer(from[i], address(0), amounts[i]);
        }
        _finish(r, before);
        _totalSupply -= total;
        emit BatchBurned(ref, from.length, total);
    }

    // ================================================================ agent: paying agent

    /// @notice The paying agent pays holders of record from the issuer's paying wallet `from`
    /// (a coupon, a redemption's principal, a dividend): `amounts[i]` to `to[i]`, in one
    /// transaction, under one reference. It is not a trade, so the investor transfer rules
    /// (lock-up, country, accreditation, maximum balance, maximum holders) do not apply; the
    /// token must not be paused, every recipient must be a registered wallet
    /// ({WalletNotRegistered}), and `from` must hold the total in free (unfrozen) balance and
    /// not be a frozen wallet. A recipient whose KYC has expired or whose wallet is frozen is
    /// still paid: the entitlement is owed to the holder of record, and a frozen wallet cannot
    /// move the cash out until it is unfrozen.
    /// @dev `from` is debited once for the total; each recipient costs one wallet word (and
    /// its investor balance only for multi-wallet investors); the holder count is written once.
    function batchPay(bytes32 ref, address from, address[] calldata to, uint256[] calldata amounts)
        external
        onlyRole(AGENT_ROLE)
    {
        _useRef(ref);
        if (to.length != amounts.length) revert LengthMismatch();
        Rules memory r = _rules;
        if (r.paused) revert TokenPaused();
        uint256[] memory recs = registry.recordsOfMany(to);
        uint256 total = 0;
        for (uint256 i; i < amounts.length; ++i) {
            total += amounts[i];
        }
        uint32 before = r.holderCount;
        uint256 fw = _wallets[from];
        if (_isFrozenWord(fw)) revert WalletFrozen(from);
        uint256 free = _freeOfWord(fw);
        if (total > free) revert InsufficientFreeBalance(from, free, total);
        if (total != 0) {
            uint256 fr = registry.recordOf(from);
            (uint256 inv, bool tracked) = _investorBalance(fr, fw);
            unchecked {
                _wallets[from] = fw - total; // total <= free balance <= balance
                inv -= total;
            }
            if (tracked) _investorBalances[fr.investorId()] = inv | INVESTOR_INIT;
            if (inv == 0) --r.holderCount;
        }
        for (uint256 i; i < to.length; ++i) {
            address wallet = to[i];
            uint256 rec = recs[i];
            if (!rec.isActive()) revert WalletNotRegistered(wallet);
            _creditWord(r, wallet, _wallets[wallet], rec, amounts[i]);
            emit Transfer(from, wallet, amounts[i]);
        }
        _finish(r, before);
        emit BatchPaid(ref, from, to.length, total);
    }

    // ================================================================ agent: enforcement

    /// @notice Moves tokens without the investor rules (court order, error correction).
    /// The recipient must be an active, KYC-valid wallet; frozen tokens of `from` are
    /// unfrozen as needed. Pause, lock-up, freezes and holder limits do not apply.
    function forcedTransfer(bytes32 ref, address from, address to, uint256 amount) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        if (from == to) revert SameWallet(from);
        (uint256 fr, uint256 tr) = registry.recordsOf(from, to);
        if (!tr.isActive()) revert WalletNotRegistered(to);
        if (tr.isExpired(block.timestamp)) revert KycExpired(to);
        Rules memory r = _rules;
        uint32 before = r.holderCount;
        _debit(r, ref, from, fr, amount);
        _creditWord(r, to, _wallets[to], tr, amount);
        _finish(r, before);
        emit Transfer(from, to, amount);
        emit ForcedTransfer(ref, from, to, amount);
    }

    /// @notice Moves the whole balance (and partial freezes) of a lost wallet to another
    /// active wallet of the same investor. The replacement keeps its own wallet-freeze flag.
    function recoverWallet(bytes32 ref, address lost, address replacement) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        (uint256 lr, uint256 rr) = registry.recordsOf(lost, replacement);
        if (!rr.isActive()) revert WalletNotRegistered(replacement);
        if (lost == replacement || lr.investorId() != rr.investorId()) revert InvestorMismatch(lost, replacement);
        uint256 lw = _wallets[lost];
        uint256 bal = _balanceOfWord(lw);
        if (bal == 0) revert NothingToRecover(lost);
        uint256 rw = _wallets[replacement];
        _wallets[replacement] =
            _packWord(_balanceOfWord(rw) + bal, _frozenOfWord(rw) + _frozenOfWord(lw), _isFrozenWord(rw));
        delete _wallets[lost];
        emit Transfer(lost, replacement, bal);
        emit WalletRecovered(ref, lost, replacement, bal);
    }

    /// @notice Freezes or unfreezes a whole wallet (it can neither send nor receive).
    function setWalletFrozen(bytes32 ref, address wallet, bool frozen) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        uint256 w = _wallets[wallet];
        _wallets[wallet] = frozen ? w | WALLET_FROZEN_BIT : w & ~WALLET_FROZEN_BIT;
        emit WalletFreezeChanged(ref, wallet, frozen);
    }

    /// @notice Freezes `amount` of the free balance of `wallet`.
    function freezeTokens(bytes32 ref, address wallet, uint256 amount) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        uint256 w = _wallets[wallet];
        uint256 free = _freeOfWord(w);
        if (amount > free) revert InsufficientFreeBalance(wallet, free, amount);
        _wallets[wallet] = w + (amount << FROZEN_SHIFT);
        emit TokensFrozen(ref, wallet, amount);
    }

    /// @notice Releases `amount` of the frozen part of `wallet`.
    function unfreezeTokens(bytes32 ref, address wallet, uint256 amount) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        uint256 w = _wallets[wallet];
        uint256 frozen = _frozenOfWord(w);
        if (amount > frozen) revert FrozenAmountExceeded(wallet, frozen, amount);
        _wallets[wallet] = w - (amount << FROZEN_SHIFT);
        emit TokensUnfrozen(ref, wallet, amount);
    }

    /// @notice Stops investor transfers (agent operations stay available).
    function pause(bytes32 ref) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        if (_rules.paused) revert TokenPaused();
        _rules.paused = true;
        emit Paused(ref, msg.sender);
    }

    function unpause(bytes32 ref) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        if (!_rules.paused) revert TokenNotPaused();
        _rules.paused = false;
        emit Unpaused(ref, msg.sender);
    }

    /// @notice ERC-1643 setter with an action reference.
    function setDocument(bytes32 ref, bytes32 name, string calldata uri, bytes32 documentHash)
        external
        onlyRole(AGENT_ROLE)
    {
        _useRef(ref);
        _setDocument(name, uri, documentHash);
        emit DocumentChanged(ref, name, false);
    }

    /// @notice ERC-1643 removal with an action reference.
    function removeDocument(bytes32 ref, bytes32 name) external onlyRole(AGENT_ROLE) {
        _useRef(ref);
        _removeDocument(name);
        emit DocumentChanged(ref, name, true);
    }

    // ================================================================ compliance: rules

    /// @notice Sets the token's rule flags and limits (0 = no limit). Lowering maxHolders
    /// below the current count only blocks new holders.
    function setRules(bytes32 ref, uint8 flags, uint40 lockupUntil, uint32 maxHolders, uint128 maxInvestorBalance)
        external
        onlyRole(COMPLIANCE_ROLE)
    {
        _useRef(ref);
        if (flags & ~(RULE_COUNTRY_ALLOWLIST | RULE_ACCREDITED_ONLY | RULE_QUALIFIED_ONLY) != 0) revert InvalidRules();
        Rules storage s = _rules;
        s.flags = flags;
        s.lockupUntil = lockupUntil;
        s.maxHolders = maxHolders;
        s.maxInvestorBalance = maxInvestorBalance;
        emit RulesUpdated(ref, flags, lockupUntil, maxHolders, maxInvestorBalance);
    }

    /// @notice Adds countries to (or removes them from) the allowlist used when
    /// RULE_COUNTRY_ALLOWLIST is set.
    function setCountriesAllowed(bytes32 ref, uint16[] calldata countries, bool allowed)
        external
        onlyRole(COMPLIANCE_ROLE)
    {
        _useRef(ref);
        for (uint256 i; i < countries.length; ++i) {
            uint16 c = countries[i];
            uint256 bit = 1 << (c & 0xff);
            uint256 word = _countryBits[c >> 8];
            _countryBits[c >> 8] = allowed ? word | bit : word & ~bit;
        }
        emit CountriesAllowed(ref, countries, allowed);
    }

    // ================================================================ internals

    /// @dev Balance of the investor owning a wallet (record `rec`, wallet word `w`), and
    /// whether it is kept in `_investorBalances` (multi-wallet investors).
    function _investorBalance(uint256 rec, uint256 w) private view returns (uint256, bool) {
        if (!rec.isMulti()) return (_balanceOfWord(w), false);
        uint64 id = rec.investorId();
        uint256 s = _investorBalances[id];
        if (s & INVESTOR_INIT != 0) return (s & BALANCE_MASK, true);
        return (_sumWallets(id), true); // first sight of a multi-wallet investor: initialise
    }

    function _sumWallets(uint64 investorId) private view returns (uint256 total) {
        if (investorId == 0) return 0;
        address[] memory ws = registry.walletsOf(investorId);
        for (uint256 i; i < ws.length; ++i) {
            total += _balanceOfWord(_wallets[ws[i]]);
        }
    }

    function _mintOne(Rules memory r, address to, uint256 tr, uint256 amount) private {
        uint256 tw = _wallets[to];
        uint8 code = _mintRestriction(r, tr, tw, amount);
        if (code != RC.SUCCESS) _revertRestricted(code, address(0), to, 0, amount);
        _creditWord(r, to, tw, tr, amount);
        emit Transfer(address(0), to, amount);
    }

    /// @dev The ERC-1404 code of issuing `amount` to a wallet (record `tr`, word `tw`).
    function _mintRestriction(Rules memory r, uint256 tr, uint256 tw, uint256 amount) private view returns (uint8) {
        if (!tr.isActive()) return RC.TO_NOT_REGISTERED;
        if (tr.isExpired(block.timestamp)) return RC.TO_KYC_EXPIRED;
        if (_isFrozenWord(tw)) return RC.TO_FROZEN;
        (uint256 tInv,) = _investorBalance(tr, tw);
        return _recipientRules(r, tr, true, false, tInv, amount);
    }

    /// @dev Adds `amount` to wallet `to` (record `tr`, word `tw`) and its investor.
    function _creditWord(Rules memory r, address to, uint256 tw, uint256 tr, uint256 amount) private {
        if (amount > MAX_SUPPLY) revert SupplyCapExceeded(amount, MAX_SUPPLY);
        (uint256 tInv, bool tracked) = _investorBalance(tr, tw);
        _wallets[to] = tw + amount; // total supply (checked by callers) bounds the balance
        if (amount != 0) {
            if (tracked) _investorBalances[tr.investorId()] = (tInv + amount) | INVESTOR_INIT;
            if (tInv == 0) ++r.holderCount;
        }
    }

    function _debit(Rules memory r, bytes32 ref, address from, uint256 fr, uint256 amount) private {
        uint256 fw = _wallets[from];
        uint256 bal = _balanceOfWord(fw);
        if (amount > bal) revert ERC20InsufficientBalance(from, bal, amount);
        (uint256 inv, bool tracked) = _investorBalance(fr, fw);
        uint256 newBal = bal - amount;
        uint256 frozen = _frozenOfWord(fw);
        if (frozen > newBal) {
            emit TokensUnfrozen(ref, from, frozen - newBal);
            frozen = newBal;
        }
        _wallets[from] = _packWord(newBal, frozen, _isFrozenWord(fw));
        if (amount != 0) {
            inv -= amount;
            if (tracked) _investorBalances[fr.investorId()] = inv | INVESTOR_INIT;
            if (inv == 0) --r.holderCount;
        }
    }

    function _finish(Rules memory r, uint32 before) private {
        if (r.holderCount != before) _rules.holderCount = r.holderCount;
    }

    function _increaseSupply(uint256 amount) private {
        uint256 supply = _totalSupply + amount;
        if (supply > MAX_SUPPLY) revert SupplyCapExceeded(supply, MAX_SUPPLY);
        _totalSupply = supply;
    }

    function _useRef(bytes32 ref) private {
        if (ref == bytes32(0)) revert EmptyRef();
        if (_usedRefs[ref]) revert RefAlreadyUsed(ref);
        _usedRefs[ref] = true;
    }
}
