using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Milvus.Akka.Security;

/// <summary>
/// Salted, deliberately slow password hashes (bcrypt, cost 10 as Milvus), and the check of a password against one.
/// A bcrypt check costs tens of milliseconds, so a password once verified against a hash is remembered as its SHA-256
/// (never in clear) until the stored hash changes, as Milvus's proxy does. Thread-safe.
/// </summary>
public sealed class Passwords
{
    public const int MinLength = 6;
    public const int MaxLength = 256;
    private const int WorkFactor = 10;

    private readonly ConcurrentDictionary<string, (string Hash, byte[] Digest)> _verified = new(StringComparer.Ordinal);

    public static string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, WorkFactor);

    /// <summary>Whether <paramref name="password"/> is the one <paramref name="hash"/> was made from.</summary>
    public bool Verify(string user, string password, string hash)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        if (_verified.TryGetValue(user, out var known) && known.Hash == hash && CryptographicOperations.FixedTimeEquals(known.Digest, digest))
        {
            return true;
        }

        bool valid;
        try
        {
            valid = BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (Exception e) when (e is BCrypt.Net.SaltParseException or ArgumentException)
        {
            // A stored value that is not a bcrypt hash matches no password.
            valid = false;
        }

        if (valid)
        {
            _verified[user] = (hash, digest);
        }

        return valid;
    }

    /// <summary>The hex SHA-256 of an API key, the form keys are configured in.</summary>
    public static string ApiKeyDigest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
