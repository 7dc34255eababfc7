using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Proxy.Tests.WebConsole;

/// <summary>The console's JSON API and page on a node's management port, behind Milvus authentication.</summary>
[Collection(ConsoleNodeFixture.Name)]
public sealed class ConsoleApiTests(ConsoleNodeFixture fixture) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.ConsoleBase };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Only_a_milvus_user_allowed_to_list_databases_may_see_the_console()
    {
        foreach (var path in new[] { "/console/", "/api/console/cluster", "/api/console/collections", "/api/console/tasks", "/api/console/requests" })
        {
            var anonymous = await _http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(path, "root:wrong")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(path, "root:" + ConsoleNodeFixture.RootPassword)).StatusCode);
        }

        var root = ConsoleNodeFixture.Root;
        MilvusRpc.Succeeded(await fixture.Client.CreateCredentialAsync(
            new CreateCredentialRequest { Username = "viewer", Password = ConsoleNodeFixture.Base64("viewer-secret") }, root));
        var refused = await GetAsync("/api/console/cluster", "viewer:viewer-secret");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("ListDatabases: permission deny to viewer", await refused.Content.ReadAsStringAsync());

        MilvusRpc.Succeeded(await fixture.Client.CreateRoleAsync(new CreateRoleRequest { Entity = new RoleEntity { Name = "operators" } }, root));
        MilvusRpc.Succeeded(await fixture.Client.OperateUserRoleAsync(new OperateUserRoleRequest { Username = "viewer", RoleName = "operators" }, root));
        MilvusRpc.Succeeded(await fixture.Client.OperatePrivilegeV2Async(new OperatePrivilegeV2Request
        {
            Role = new RoleEntity { Name = "operators" },
            Grantor = new GrantorEntity { Privilege = new PrivilegeEntity { Name = "ClusterReadOnly" } },
            DbName = "*",
            CollectionName = "*",
            Type = OperatePrivilegeType.Grant,
        }, root));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/console/cluster", "viewer:viewer-secret")).StatusCode);
    }

    [Fact]
    public async Task The_page_and_its_assets_come_from_the_assembly_with_a_same_origin_policy()
    {
        var page = await GetAsync("/console/", "root:" + ConsoleNodeFixture.RootPassword);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"console.js\"", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal));
        Assert.DoesNotContain("https://", html);

        var script = await GetAsync("/console/console.js", "root:" + ConsoleNodeFixture.RootPassword);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        Assert.Contains("/api/console/", await script.Content.ReadAsStringAsync());
        Assert.Equal("text/css", (await GetAsync("/console/console.css", "root:" + ConsoleNodeFixture.RootPassword)).Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/console/missing.js", "root:" + ConsoleNodeFixture.RootPassword)).StatusCode);
    }

    [Fact]
    public async Task The_api_shows_members_collections_segments_flushes_rates_and_slow_requests()
    {
        const string collection = "api_books";
        await fixture.Node.CreateLoadedCollectionAsync(collection, ConsoleNodeFixture.Dim, ConsoleNodeFixture.Root);
        await fixture.InsertAsync(collection, 40);
        var flush = await fixture.Client.FlushedAsync(new FlushRequest { CollectionNames = { collection } }, ConsoleNodeFixture.Root);
        MilvusRpc.Succeeded(flush.Status);
        await fixture.InsertAsync(collection, 7);

        using var cluster = await JsonAsync("cluster");
        var node = Assert.Single(cluster.RootElement.GetProperty("nodes").EnumerateArray());
        Assert.Equal("Up", node.GetProperty("status").GetString());
        Assert.True(node.GetProperty("coordinator").GetBoolean());
        Assert.Equal(["coordinator", "data", "proxy", "query", "streaming"], node.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Order());
        var nodeId = node.GetProperty("id").GetInt64();

        // The flushed segment is served by the node's query role once handed over; wait for that rather than assume it.
        var books = await EventuallyAsync("collections", root => root.GetProperty("collections").EnumerateArray()
            .Where(c => c.GetProperty("name").GetString() == collection)
            .Select(c => (JsonElement?)c.Clone())
            .FirstOrDefault(c => c!.Value.GetProperty("segments").EnumerateArray().Any(s => s.GetProperty("state").GetString() == "Served")),
            "the flushed segment of api_books served by a query node");
        Assert.Equal("default", books.GetProperty("database").GetString());
        Assert.Equal(47, books.GetProperty("rows").GetInt64());
        Assert.Equal("Loaded", books.GetProperty("loadState").GetString());
        var shard = Assert.Single(books.GetProperty("shards").EnumerateArray());
        Assert.Equal(nodeId, shard.GetProperty("nodeId").GetInt64());
        var segment = Assert.Single(books.GetProperty("segments").EnumerateArray());
        Assert.Equal((40L, nodeId), (segment.GetProperty("rows").GetInt64(), segment.GetProperty("nodeId").GetInt64()));
        Assert.Equal(flush.CollSegIDs[collection].Data.Single(), segment.GetProperty("id").GetInt64());

        using var tasks = await JsonAsync("tasks");
        var flushed = tasks.RootElement.GetProperty("recent").EnumerateArray()
            .Single(t => t.GetProperty("kind").GetString() == "Flush" && t.GetProperty("collection").GetString() == "default." + collection);
        Assert.Equal("Completed", flushed.GetProperty("state").GetString());
        Assert.Equal(segment.GetProperty("id").GetInt64(), flushed.GetProperty("id").GetInt64());
        Assert.Contains("40 rows", flushed.GetProperty("detail").GetString());

        var slow = await EventuallyAsync("requests", root => root.GetProperty("slow").EnumerateArray()
                .Where(r => r.GetProperty("collection").GetString() == collection && r.GetProperty("rpc").GetString() == "Insert")
                .Select(r => (JsonElement?)r.Clone()).FirstOrDefault(),
            "the inserts into api_books among the slow requests (threshold 0)");
        Assert.Equal(("root", "default"), (slow.GetProperty("user").GetString(), slow.GetProperty("database").GetString()));
        Assert.Equal("7 rows", slow.GetProperty("detail").GetString());
        // The samples are the complete seconds: the inserts' second shows once it has passed.
        var samples = await EventuallyAsync("requests", root => root.GetProperty("samples") is var all
                && all.EnumerateArray().Sum(s => s.GetProperty("writes").GetInt32()) >= 2 ? all.Clone() : null,
            "both inserts counted as writes in the per-second samples");
        Assert.Equal(119, samples.GetArrayLength());
    }

    private Task<HttpResponseMessage> GetAsync(string path, string credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", ConsoleNodeFixture.Base64(credentials));
        return _http.SendAsync(request);
    }

    private async Task<JsonDocument> JsonAsync(string view)
    {
        var response = await GetAsync("/api/console/" + view, "root:" + ConsoleNodeFixture.RootPassword);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{view}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return JsonDocument.Parse(body);
    }

    /// <summary>Asks for a view until <paramref name="find"/> finds what it looks for, for at most 60 s.</summary>
    private async Task<JsonElement> EventuallyAsync(string view, Func<JsonElement, JsonElement?> find, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var json = await JsonAsync(view);
            if (find(json.RootElement) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"waited 60 s for {what}; last {view}: {json.RootElement}");
            await Task.Delay(200);
        }
    }
}
