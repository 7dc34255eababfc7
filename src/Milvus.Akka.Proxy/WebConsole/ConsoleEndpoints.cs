using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net.Http.Headers;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Security;

namespace Milvus.Akka.Proxy.WebConsole;

/// <summary>
/// The read-only web console of a proxy node, served on the node's management port (plain HTTP/1.1, which browsers
/// speak; the gRPC port is HTTP/2 only): the page at <c>/console/</c> (HTML, script and styles embedded in this
/// assembly, nothing fetched from elsewhere) over a JSON API at <c>/api/console/{cluster,collections,tasks,requests}</c>.
/// With <c>milvus.security.authorization-enabled</c> on, every request needs HTTP basic authentication with a Milvus user
/// that may list the cluster's databases (root, the admin role, or a role granted ClusterReadOnly), as the gRPC edge checks.
/// </summary>
public static class ConsoleEndpoints
{
    public const string PagePath = "/console/";
    public const string ApiPath = "/api/console";

    /// <summary>The privilege the console needs: it shows every database's collections and the cluster's members.</summary>
    private const string RequiredPrivilege = "ListDatabases";

    private static readonly FrozenDictionary<string, (string ContentType, byte[] Content)> Assets = LoadAssets();

    /// <summary>
    /// Maps the console's routes; <paramref name="proxy"/> is null until the node's proxy role has started (503 meanwhile).
    /// <paramref name="node"/> names the node serving the console (its cluster address).
    /// </summary>
    public static void Map(IEndpointRouteBuilder app, Func<MilvusProxy?> proxy, string node)
    {
        app.MapGet(PagePath + "{file?}", async (HttpContext http, string? file) =>
        {
            // Routing matches /console too; the page's relative links need the slash.
            if (file is null && !http.Request.Path.Value!.EndsWith('/'))
            {
                return Results.Redirect(PagePath);
            }

            if (!Assets.TryGetValue(string.IsNullOrEmpty(file) ? "index.html" : file, out var asset))
            {
                return Results.NotFound();
            }

            if (await RefuseAsync(http, proxy()) is { } refused)
            {
                return refused;
            }

            // The page runs only its own script and styles and talks only to this origin.
            http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
            http.Response.Headers["X-Content-Type-Options"] = "nosniff";
            return Results.Bytes(asset.Content, asset.ContentType);
        });
        MapApi(app, "cluster", proxy, async (p, ct) => ConsoleViews.Cluster(await p.GetClusterTopologyAsync(ct), node), ConsoleJson.Default.ClusterView);
        MapApi(app, "collections", proxy, CollectionsAsync, ConsoleJson.Default.CollectionsView);
        MapApi(app, "tasks", proxy, TasksAsync, ConsoleJson.Default.TasksView);
        MapApi(app, "requests", proxy, (p, _) => Task.FromResult(ConsoleViews.Requests(p.Activity)), ConsoleJson.Default.RequestsView);
    }

    private static void MapApi<T>(IEndpointRouteBuilder app, string name, Func<MilvusProxy?> proxy, Func<MilvusProxy, CancellationToken, Task<T>> view,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> json) =>
        app.MapGet($"{ApiPath}/{name}", async (HttpContext http) =>
        {
            var current = proxy();
            if (await RefuseAsync(http, current) is { } refused)
            {
                return refused;
            }

            http.Response.Headers.CacheControl = "no-store";
            try
            {
                return Results.Json(await view(current!, http.RequestAborted), json);
            }
            catch (MilvusException e)
            {
                return Results.Json(new ConsoleError(e.Code.ToString(), e.Message), ConsoleJson.Default.ConsoleError,
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

    /// <summary>Why the request may not see the console (503 while starting, 401 without valid credentials, 403 without the privilege); null when it may.</summary>
    private static async Task<IResult?> RefuseAsync(HttpContext http, MilvusProxy? proxy)
    {
        if (proxy is null)
        {
            return Results.Text("the proxy role of this node is starting\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (!proxy.Settings.Security.AuthorizationEnabled)
        {
            return null;
        }

        var state = await proxy.RbacAsync();
        var user = AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization.ToString(), out var header)
                   && string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            ? proxy.UserOf(header.Parameter, state)
            : null;
        if (user is null)
        {
            // Makes a browser ask for a Milvus user name and password.
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"Milvus console\", charset=\"UTF-8\"";
            return Results.Text("sign in with a Milvus user\n", statusCode: StatusCodes.Status401Unauthorized);
        }

        return state.IsAllowed(user, RbacObjectType.Global, Privileges.AnyName, Privileges.AnyName, RequiredPrivilege)
            ? null
            : Results.Text($"{RequiredPrivilege}: permission deny to {user}\n", statusCode: StatusCodes.Status403Forbidden);
    }

    private static async Task<CollectionsView> CollectionsAsync(MilvusProxy proxy, CancellationToken cancellationToken)
    {
        var collections = await AllCollectionsAsync(proxy, cancellationToken);
        var views = await Task.WhenAll(collections.Select(async collection =>
        {
            var distribution = proxy.GetDistributionAsync(collection.Id, cancellationToken);
            var rows = CountRowsAsync(proxy, collection, cancellationToken);
            return ConsoleViews.Collection(collection, await distribution, await rows);
        }));
        return new CollectionsView([.. views]);
    }

    /// <summary>The rows a collection holds now; null when they could not be counted (a shard moving, say), which the page shows as unknown.</summary>
    private static async Task<long?> CountRowsAsync(MilvusProxy proxy, CollectionInfo collection, CancellationToken cancellationToken)
    {
        try
        {
            return await proxy.CountRowsAsync(collection.Database, collection.Name, cancellationToken: cancellationToken);
        }
        catch (MilvusException)
        {
            return null;
        }
    }

    private static async Task<TasksView> TasksAsync(MilvusProxy proxy, CancellationToken cancellationToken)
    {
        var history = proxy.GetTaskHistoryAsync(cancellationToken);
        var names = (await AllCollectionsAsync(proxy, cancellationToken)).ToDictionary(c => c.Id, c => $"{c.Database}.{c.Name}");
        return ConsoleViews.Tasks(await history, names);
    }

    private static async Task<ImmutableArray<CollectionInfo>> AllCollectionsAsync(MilvusProxy proxy, CancellationToken cancellationToken)
    {
        var databases = await proxy.ListDatabasesAsync(cancellationToken);
        var lists = await Task.WhenAll(databases.Select(d => proxy.ListCollectionsAsync(d.Name, cancellationToken)));
        return [.. lists.SelectMany(l => l)];
    }

    private static FrozenDictionary<string, (string ContentType, byte[] Content)> LoadAssets()
    {
        const string prefix = "WebConsole/";
        var assembly = typeof(ConsoleEndpoints).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(n => n[prefix.Length..], n => (ContentTypeOf(n), Read(assembly, n)), StringComparer.Ordinal);

        static byte[] Read(Assembly assembly, string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        static string ContentTypeOf(string name) => Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
    }
}
